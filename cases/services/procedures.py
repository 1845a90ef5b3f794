"""Procedures: laying out a project's stages from a template, marking a stage done, and the
evidence (photos, PDFs of posted notices) kept for a stage."""

from datetime import date
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from ..holiday_notice import Notice
from ..models import ProcedureTemplate, Project, Stage, StageEvidence, WorkdayOverride
from ..procedures import (
    PlanStep,
    dependency_indexes,
    early_completion_end,
    plan_dates,
    township_calendar,
)
from ..workdays import UnknownCalendarYear, WorkCalendar

#: The first bytes of the files we accept, and what they are (the client's claim is ignored).
EVIDENCE_SIGNATURES = [
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
]


def default_template(kind: str) -> ProcedureTemplate | None:
    return ProcedureTemplate.objects.filter(project_kind=kind, is_default=True).first()


@transaction.atomic
def project_lay_out_stages(
    *,
    project: Project,
    template: ProcedureTemplate | None = None,
    start: date,
    calendar: WorkCalendar | None = None,
) -> list[Stage]:
    """Create the project's stages from ``template`` (default: its kind's default template),
    with the earliest planned dates the statutory periods allow from ``start``.

    A project that already has stages is refused. Steps whose dates fall in a year the
    calendar does not know are created without dates; the procedure page says why.
    """
    if project.stages.exists():
        raise ValidationError(_("This project already has its stages."))
    template = template or default_template(project.kind)
    if template is None:
        return []
    steps = list(template.steps.order_by("order").prefetch_related("depends_on"))
    deps = dependency_indexes(
        [s.pk for s in steps], [[d.pk for d in s.depends_on.all()] for s in steps]
    )
    plans = plan_dates(
        [PlanStep.of(s, d) for s, d in zip(steps, deps, strict=True)],
        start,
        calendar or township_calendar(),
    )
    stages = Stage.objects.bulk_create(
        [
            Stage(
                project=project,
                template_step=step,
                order=step.order,
                name=step.name_zh,
                name_en=step.name_en,
                legal_basis=step.legal_basis,
                period_kind=step.period_kind,
                period_amount=step.period_amount,
                period_unit=step.period_unit,
                requirement=step.requirement,
                condition=step.condition,
                planned_start=plan.planned_start,
                due_on=plan.due_on,
            )
            for step, plan in zip(steps, plans, strict=True)
        ]
    )
    through = Stage.depends_on.through
    through.objects.bulk_create(
        [
            through(from_stage_id=stages[i].pk, to_stage_id=stages[j].pk)
            for i, step in enumerate(steps)
            if step.depends_on.all()
            for j in deps[i]
        ]
    )
    return stages


def stage_check_done(
    *,
    stage: Stage,
    started_on: date | None,
    done_on: date,
    reason: str,
    calendar: WorkCalendar,
    today: date | None = None,
) -> date | None:
    """Raise ``ValidationError`` if the stage cannot be done on ``done_on``; return the day
    its legal minimum ends if it is done early (with a reason), else ``None``."""
    today = today or timezone.localdate()
    if done_on > today:
        raise ValidationError({"done_on": _("The date a step was done cannot be in the future.")})
    if started_on is not None and done_on < started_on:
        raise ValidationError({"done_on": _("A step cannot be done before it started.")})
    if stage.is_minimum and started_on is None:
        raise ValidationError(
            {
                "started_on": _(
                    "This step has a legal minimum: enter the day it started (the notice "
                    "was posted)."
                )
            }
        )
    try:
        minimum_end = early_completion_end(stage, started_on, done_on, calendar)
    except UnknownCalendarYear as exc:
        raise ValidationError({"done_on": str(exc)}) from exc
    if minimum_end is not None and not reason.strip():
        raise ValidationError(
            {
                "reason": _(
                    "Its legal minimum (%(amount)s %(unit)s) ends on %(end)s: a step done "
                    "before then needs a reason."
                )
                % {
                    "amount": stage.period_amount,
                    "unit": stage.get_period_unit_display(),
                    "end": minimum_end.isoformat(),
                }
            }
        )
    return minimum_end


@transaction.atomic
def stage_mark_done(
    *,
    stage: Stage,
    done_on: date,
    user: AbstractBaseUser,
    reason: str = "",
    started_on: date | None = None,
    calendar: WorkCalendar | None = None,
) -> Stage:
    """Record that a stage was done on ``done_on`` (and started on ``started_on``, if given).

    Done before its legal minimum has elapsed, it needs ``reason``, which is kept and flagged
    on the procedure page; done in time, any earlier reason is cleared.
    """
    stage = Stage.objects.select_for_update().get(pk=stage.pk)
    started_on = started_on or stage.started_on
    minimum_end = stage_check_done(
        stage=stage,
        started_on=started_on,
        done_on=done_on,
        reason=reason,
        calendar=calendar or township_calendar(),
    )
    stage.started_on = started_on or done_on
    stage.done_on = done_on
    stage.done_by = user
    stage.early_reason = reason.strip() if minimum_end else ""
    stage.save(update_fields=["started_on", "done_on", "done_by", "early_reason"])
    return stage


def sniff_evidence(head: bytes) -> tuple[str, str] | None:
    """``(content type, extension)`` from a file's first bytes, or ``None`` if not accepted."""
    for signature, content_type, suffix in EVIDENCE_SIGNATURES:
        if head.startswith(signature):
            return content_type, suffix
    return None


def stage_evidence_add(
    *, stage: Stage, upload: UploadedFile, user: AbstractBaseUser
) -> StageEvidence:
    """Keep a photo (JPEG, PNG) or PDF of a posted notice for ``stage``.

    The type is read from the file's content, never from its name or the browser's claim;
    files over ``settings.EVIDENCE_MAX_BYTES`` are refused. Stored under
    MEDIA_ROOT/evidence/<project>/ with a random name.
    """
    name = PurePath(upload.name or "").name[:200] or "upload"
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            {
                "file": _("“%(name)s” is %(size)s; a file may be at most %(limit)s.")
                % {
                    "name": name,
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(limit),
                }
            }
        )
    upload.seek(0)
    sniffed = sniff_evidence(upload.read(16))
    upload.seek(0)
    if upload.size == 0 or sniffed is None:
        raise ValidationError(
            {
                "file": _(
                    "“%(name)s” is not a JPEG or PNG photo or a PDF (judged by its content, "
                    "not its name). Upload a photo or a PDF of the notice."
                )
                % {"name": name}
            }
        )
    content_type, suffix = sniffed
    evidence = StageEvidence(
        stage=stage,
        original_name=name,
        content_type=content_type,
        size=upload.size,
        uploaded_by=user,
    )
    evidence.file.save(f"evidence{suffix}", upload, save=False)
    try:
        with transaction.atomic():
            evidence.save()
    except Exception:
        evidence.file.delete(save=False)
        raise
    return evidence


def calendar_check_notice(notice: Notice) -> dict[date, tuple[bool, str]]:
    """The adjustments to store for ``notice``: its days in its year, checked.

    Refused (``ValidationError``): a year ``chinese_calendar`` already knows (its official
    calendar is built in; a single local adjustment is entered on its own). A day of another
    year (the 元旦 of a notice may begin on 12-30) is dropped when the calendar already says
    the same of it, and refused when it does not or cannot."""
    if WorkCalendar().knows_year(notice.year):
        raise ValidationError(
            _(
                "The official calendar for %(year)s is built in; enter a single local "
                "adjustment on its own instead."
            )
            % {"year": notice.year}
        )
    calendar = township_calendar()
    kept, errors = {}, []
    for day, (is_workday, note) in notice.adjustments().items():
        if day.year == notice.year:
            kept[day] = (is_workday, note)
            continue
        try:
            agrees = calendar.is_workday(day) == is_workday
        except UnknownCalendarYear:
            agrees = False
        if not agrees:
            errors.append(
                _("%(day)s is in %(other)s, whose calendar does not say the same.")
                % {"day": day.isoformat(), "other": day.year}
            )
    if errors:
        raise ValidationError(errors)
    return kept


@transaction.atomic
def calendar_enter_notice(*, notice: Notice) -> int:
    """Replace ``notice.year``'s working-day adjustments with the notice's, all at once.

    A year counts as entered from its first adjustment (``WorkdayOverride``), so a year is
    never entered a day at a time: every earlier adjustment of the year is replaced. Returns
    how many adjustments the year now has."""
    kept = calendar_check_notice(notice)
    WorkdayOverride.objects.filter(date__year=notice.year).delete()
    WorkdayOverride.objects.bulk_create(
        WorkdayOverride(date=day, is_workday=is_workday, note=note[:120])
        for day, (is_workday, note) in kept.items()
    )
    return len(kept)
