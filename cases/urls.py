from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("projects/<int:pk>/procedure/", views.project_procedure, name="project_procedure"),
    path("stages/<int:pk>/done/", views.stage_mark_done, name="stage_mark_done"),
    path("stages/<int:pk>/evidence/", views.stage_evidence_upload, name="stage_evidence_upload"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
    path("exports/<slug:kind>.<slug:fmt>", views.export, name="export"),
    path("votes/", views.vote_list, name="vote_list"),
    path("votes/new/", views.vote_new, name="vote_new"),
    path("votes/<int:pk>/", views.vote_detail, name="vote_detail"),
    path("votes/<int:pk>/open/", views.vote_transition, {"action": "open"}, name="vote_open"),
    path("votes/<int:pk>/close/", views.vote_transition, {"action": "close"}, name="vote_close"),
    path(
        "votes/<int:pk>/certify/",
        views.vote_transition,
        {"action": "certify"},
        name="vote_certify",
    ),
    path("votes/<int:pk>/ballots/", views.ballot_sheet, name="ballot_sheet"),
    path("votes/<int:pk>/ballots/<int:ballot_pk>/", views.ballot_detail, name="ballot_detail"),
    path("votes/<int:pk>/notice/", views.vote_notice, name="vote_notice"),
    path("projects/<int:project_pk>/meetings/", views.meeting_list, name="meeting_list"),
    path("projects/<int:project_pk>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("households/<int:pk>/reveal/", views.household_reveal, name="household_reveal"),
    path("members/<int:pk>/reveal/", views.member_reveal, name="member_reveal"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/<int:pk>/", views.project_dashboard, name="project_dashboard"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/<int:pk>/visits/new/", views.visit_new, name="visit_new"),
    path("cases/<int:pk>/sign/", views.case_step, {"step": "sign"}, name="case_sign"),
    path("cases/<int:pk>/complete/", views.case_step, {"step": "complete"}, name="case_complete"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/<int:pk>/correct/", views.visit_correct, name="visit_correct"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
]
