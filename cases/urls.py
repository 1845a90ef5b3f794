from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("projects/<int:pk>/procedure/", views.project_procedure, name="project_procedure"),
    path("stages/<int:pk>/done/", views.stage_mark_done, name="stage_mark_done"),
    path("stages/<int:pk>/evidence/", views.stage_evidence_upload, name="stage_evidence_upload"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
    path("exports/<slug:kind>.<slug:fmt>", views.export, name="export"),
]
