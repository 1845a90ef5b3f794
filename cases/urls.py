from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("exports/<slug:kind>.<slug:fmt>", views.export, name="export"),
]
