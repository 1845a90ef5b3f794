from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("households/<int:pk>/reveal/", views.household_reveal, name="household_reveal"),
    path("members/<int:pk>/reveal/", views.member_reveal, name="member_reveal"),
]
