"""A project's statutory procedure: its timeline, marking a stage done, and stage evidence."""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext as _
from django.views.decorators.http import require_http_methods

from .. import services
from ..access import get_for_user
from ..forms import EvidenceUploadForm, StageDoneForm
from ..models import Project, Stage, StageEvidence
from ..procedures import stage_flags

MARK_DONE_PERM = "cases.change_stage"
UPLOAD_PERM = "cases.add_stageevidence"


def _auto_id(stage: Stage, form: str) -> str:
    return f"id_{form}{stage.pk}_%s"


def _procedure_page(request, project, *, bound=None, status=200):
    """The page; ``bound`` is ``(stage pk, form)`` to show a refused form with its errors."""
    procedure = stage_flags(project, timezone.localdate())
    evidence = defaultdict(list)
    for item in StageEvidence.objects.filter(stage__project=project).order_by("uploaded_at"):
        evidence[item.stage_id].append(item)
    may_mark = request.user.has_perm(MARK_DONE_PERM)
    may_upload = request.user.has_perm(UPLOAD_PERM)
    for row in procedure.rows:
        stage = row.stage
        row.evidence = evidence[stage.pk]
        if may_mark and not stage.done_on:
            row.done_form = StageDoneForm(
                initial={"started_on": stage.started_on, "done_on": timezone.localdate()},
                auto_id=_auto_id(stage, "done"),
            )
        if may_upload:
            row.evidence_form = EvidenceUploadForm(auto_id=_auto_id(stage, "evidence"))
        if bound and bound[0] == stage.pk:
            if isinstance(bound[1], StageDoneForm):
                row.done_form = bound[1]
            else:
                row.evidence_form = bound[1]
    return render(
        request,
        "cases/procedure.html",
        {"project": project, "procedure": procedure, "today": timezone.localdate()},
        status=status,
    )


def _back_to(stage: Stage):
    url = reverse("project_procedure", args=[stage.project_id])
    return redirect(f"{url}#stage-{stage.pk}")


@login_required
@require_http_methods(["GET"])
def project_procedure(request, pk):
    project = get_for_user(Project, request.user, pk=pk)
    return _procedure_page(request, project)


@login_required
@require_http_methods(["POST"])
def stage_mark_done(request, pk):
    stage = get_for_user(Stage.objects.select_related("project"), request.user, pk=pk)
    if not request.user.has_perm(MARK_DONE_PERM):
        raise PermissionDenied
    form = StageDoneForm(request.POST, auto_id=_auto_id(stage, "done"))
    if form.is_valid():
        try:
            services.stage_mark_done(
                stage=stage,
                done_on=form.cleaned_data["done_on"],
                started_on=form.cleaned_data["started_on"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("“%(stage)s” is marked done.") % {"stage": stage.display_name(get_language())},
            )
            return _back_to(stage)
    messages.error(request, _("The stage was not marked done; see the form below."))
    return _procedure_page(request, stage.project, bound=(stage.pk, form), status=400)


@login_required
@require_http_methods(["POST"])
def stage_evidence_upload(request, pk):
    stage = get_for_user(Stage.objects.select_related("project"), request.user, pk=pk)
    if not request.user.has_perm(UPLOAD_PERM):
        raise PermissionDenied
    form = EvidenceUploadForm(request.POST, request.FILES, auto_id=_auto_id(stage, "evidence"))
    if form.is_valid():
        try:
            evidence = services.stage_evidence_add(
                stage=stage, upload=form.cleaned_data["file"], user=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("“%(name)s” is kept as evidence.") % {"name": evidence.original_name}
            )
            return _back_to(stage)
    messages.error(request, _("The file was refused; see the reason below."))
    return _procedure_page(request, stage.project, bound=(stage.pk, form), status=400)


@login_required
@require_http_methods(["GET"])
def evidence_file(request, pk):
    """The file itself, only to users who may see its project (404 otherwise)."""
    evidence = get_for_user(StageEvidence, request.user, pk=pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, content_type=evidence.content_type, filename=evidence.original_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response["Cache-Control"] = "private, no-store"
    return response
