from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cases import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Log-in, log-out and changing one's own password; not the e-mailed password reset of
    # django.contrib.auth.urls: the app sends no e-mail, and a township administrator sets a
    # forgotten password on the user's admin page.
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("admin/", admin.site.urls),
    path("", include("cases.urls")),
]
