from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("projects/<int:pk>/", views.project_dashboard, name="project_dashboard"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/<int:pk>/visits/new/", views.visit_new, name="visit_new"),
    path("visits/", views.visit_list, name="visit_list"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
]
