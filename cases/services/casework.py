"""Case work: visits and the case pipeline (signing, completion)."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import visit_writes
from ..models import (
    CLOSED_STATUSES,
    STATUS_FOR_STANCE,
    VISIT_HISTORY,
    Case,
    Household,
    PartyBranch,
    Stance,
    Visit,
)
from ..wording import people


def visit_check_dates(*, visited_on: date, next_follow_up_on: date | None) -> None:
    """Refuse a visit in the future or a follow-up before the visit (the form and the admin)."""
    errors = {}
    if visited_on > timezone.localdate():
        errors["visited_on"] = _("The date of the visit cannot be in the future.")
    if next_follow_up_on is not None and next_follow_up_on < visited_on:
        errors["next_follow_up_on"] = _("The next follow-up cannot be before the visit.")
    if errors:
        raise ValidationError(errors)


def visit_check_concerns(concerns: Iterable[str]) -> list[str]:
    """The concerns, each once, in order; ``ValidationError`` for one not in the list."""
    if isinstance(concerns, str | dict) or not all(isinstance(c, str) for c in concerns):
        raise ValidationError({"concerns": _("Unknown concern: %s") % concerns})
    allowed = set(Visit.Concern.values)
    concerns = list(dict.fromkeys(concerns))
    unknown = [c for c in concerns if c not in allowed]
    if unknown:
        raise ValidationError({"concerns": _("Unknown concern: %s") % ", ".join(unknown)})
    return concerns


def visit_possible_visitors(case: Case, *, keep: Iterable[int] = ()):
    """Active people who may have taken part in a visit to ``case``: township-wide staff and
    the village's cadres (people with a staff profile); and the users ``keep`` names (a
    corrected visit's visitors, kept even if their account was closed or moved to another
    village since). The visit form offers these; ``visit_check_visitors`` refuses others."""
    village_id = case.household.cooperative.village_id
    may_have = Q(is_active=True, staff_profile__isnull=False) & (
        Q(is_superuser=True)
        | Q(groups__permissions__codename="view_all_villages")
        | Q(staff_profile__villages=village_id)
    )
    return (
        get_user_model()
        .objects.filter(may_have | Q(pk__in=list(keep)))
        .distinct()
        .order_by("username")
    )


def visit_check_visitors(
    *, case: Case, visitors: Iterable[AbstractBaseUser], keep: Iterable[int] = ()
) -> None:
    """Refuse, beside the field, visitors who cannot have taken part in a visit to ``case``
    (``visit_possible_visitors``): a cadre of another village, a closed account, someone
    without a staff profile. Those ``keep`` names pass: the recorder, whose own right is
    checked as the visit is logged, and a corrected visit's own visitors. One query, none
    when every visitor is kept."""
    keep = set(keep)
    others = {visitor.pk: visitor for visitor in visitors if visitor.pk not in keep}
    if not others:
        return
    allowed = set(visit_possible_visitors(case).filter(pk__in=others).values_list("pk", flat=True))
    refused = [visitor for pk, visitor in others.items() if pk not in allowed]
    if refused:
        raise ValidationError(
            {
                "visitors": _(
                    "%(people)s cannot be credited with a visit in this village: only active "
                    "township staff and the village's own cadres can."
                )
                % {"people": people(refused)}
            }
        )


def visit_places(case: Case) -> dict:
    """What a visit copies from its case: its ``project_id`` and its household's
    ``village_id`` (one query, for the village)."""
    village_id = (
        Household.objects.filter(pk=case.household_id)
        .values_list("cooperative__village_id", flat=True)
        .get()
    )
    return {"project_id": case.project_id, "village_id": village_id}


def visits_follow_cases(cases) -> int:
    """Visits of ``cases`` (a queryset) take their case's project and village again, after a
    case was moved to another project or household, a household to another cooperative or a
    cooperative to another village; returns how many visits changed. The visits' scope and
    the lists by project and by village read these copies (``Visit.village``)."""
    case = Case.objects.filter(pk=OuterRef("case_id")).order_by()  # no Meta ordering's joins
    project = Subquery(case.values("project_id")[:1])
    village = Subquery(case.values("household__cooperative__village_id")[:1])
    stale = Visit.objects.filter(case__in=cases).exclude(project_id=project, village_id=village)
    return stale.update(project_id=project, village_id=village)


#: What a case keeps of its visits (``case_figures``), so that lists need no per-row query.
CASE_FIGURES = ("visit_count", "last_visit_on", "stance", "next_follow_up_on", "status")


def case_refresh_visits(*, case: Case) -> list[str]:
    """Recompute the case's visit figures and its stance from its visits, and save them.

    Stance and follow-up come from the latest visit (by date, then by recording time). The
    status follows the stance until the case is signed; signed and completed cases keep their
    status whatever is heard later. ``case`` is as stored (read under lock). Only the figures
    that changed are saved; if none did (a visit's notes corrected), the case is not saved
    and its history gets no row. Returns the names of the figures saved.
    """
    before = [getattr(case, name) for name in CASE_FIGURES]
    case_apply_visits(case=case)
    changed = [
        name for name, old in zip(CASE_FIGURES, before, strict=True) if getattr(case, name) != old
    ]
    if changed:  # figures as they were: no save, and no history row without a change
        case.save(update_fields=changed)
    return changed


def case_apply_visits(*, case: Case) -> None:
    """Set (without saving) the figures ``case_refresh_visits`` saves: for a caller that saves
    the case itself, so that one history row records the case as it is."""
    visits = Visit.objects.filter(case_id=case.pk)
    figures = visits.aggregate(count=Count("pk"), last=Max("visited_on"))
    latest = visits.order_by(*LATEST_VISIT_FIRST).values("stance", "next_follow_up_on").first()
    for name, value in case_figures(
        status=case.status, count=figures["count"], last=figures["last"], latest=latest
    ).items():
        setattr(case, name, value)


#: A case's visits, its latest first: the one whose stance and follow-up the case shows.
LATEST_VISIT_FIRST = ("-visited_on", "-recorded_at", "-pk")


def case_figures(*, status: str, count: int, last: date | None, latest: dict | None) -> dict:
    """The figures a case of ``status`` shows when it has ``count`` visits, the last on
    ``last``, and ``latest`` (its latest visit's ``stance`` and ``next_follow_up_on``, or
    ``None`` without visits): its visit count, last visit, stance, follow-up and status. The
    status follows the stance until the case is signed. The rule of ``case_refresh_visits``,
    kept in one place for it and for ``services.case_figures_drift``."""
    is_open = status not in CLOSED_STATUSES
    if latest is None:
        stance, follow_up = Stance.UNKNOWN, None
        new_status = Case.Status.NOT_CONTACTED
    else:
        stance, follow_up = latest["stance"], latest["next_follow_up_on"]
        new_status = STATUS_FOR_STANCE[Stance(stance)]
    return {
        "visit_count": count,
        "last_visit_on": last,
        "stance": stance,
        "next_follow_up_on": follow_up,
        "status": new_status if is_open else status,
    }


def _visit_fields(
    *,
    visited_on: date,
    place: str,
    stance: str,
    concerns: Iterable[str],
    notes: str,
    next_follow_up_on: date | None,
    client_id: uuid.UUID,
) -> dict:
    """The fields of a visit to store; refuses what no visit may hold (``ValidationError``)."""
    visit_check_dates(visited_on=visited_on, next_follow_up_on=next_follow_up_on)
    if stance not in Stance.values:
        raise ValidationError({"stance": _("Unknown stance.")})
    if place not in Visit.Place.values:
        raise ValidationError({"place": _("Unknown place.")})
    return dict(
        visited_on=visited_on,
        place=place,
        stance=stance,
        concerns=visit_check_concerns(concerns),
        notes=notes,
        next_follow_up_on=next_follow_up_on,
        client_id=client_id,
    )


def visit_record(
    *,
    case: Case,
    recorded_by: AbstractBaseUser,
    visited_on: date,
    visitors: Iterable[AbstractBaseUser] = (),
    place: str = Visit.Place.HOME,
    stance: str = Stance.UNKNOWN,
    concerns: Iterable[str] = (),
    notes: str = "",
    next_follow_up_on: date | None = None,
    branch: PartyBranch | None = None,
    client_id: uuid.UUID | None = None,
) -> tuple[Visit, bool]:
    """Store a visit once and update its case. Returns ``(visit, created)``.

    A form re-sent with the same ``client_id`` returns the visit already stored
    (``created`` False) instead of storing it twice, even when both requests race.
    The visitors default to the recording user; the branch to the recorder's branch.
    On PostgreSQL the rows are written by ``cases.visit_writes`` in two statements; elsewhere
    through the ORM. Both write the same rows and history.
    """
    client_id = client_id or uuid.uuid4()
    existing = Visit.objects.filter(client_id=client_id).first()
    if existing is not None:
        return existing, False
    fields = _visit_fields(
        visited_on=visited_on,
        place=place,
        stance=stance,
        concerns=concerns,
        notes=notes,
        next_follow_up_on=next_follow_up_on,
        client_id=client_id,
    )
    visitors = list(visitors) or [recorded_by]
    visit_check_visitors(case=case, visitors=visitors, keep=[recorded_by.pk])
    if connection.vendor == "postgresql":
        visit_id = _visit_insert_sql(
            case_id=case.pk,
            recorder=recorded_by,
            authorize=False,
            visitor_ids=[v.pk for v in visitors],
            branch_id=branch.pk if branch is not None else None,
            **fields,
        ).visit_id
        created = visit_id is not None
    else:
        visit_id, created = _visit_insert_orm(case, recorded_by, visitors, branch, fields)
    if not created:  # the same form, sent twice at once: the other request stored it
        return Visit.objects.get(client_id=client_id), False
    case.refresh_from_db()
    return Visit.objects.get(pk=visit_id), True


def _visit_insert_orm(case, recorded_by, visitors, branch, fields) -> tuple[int | None, bool]:
    if branch is None:
        profile = getattr(recorded_by, "staff_profile", None)
        branch = profile.branch if profile is not None else None
    try:
        with transaction.atomic():
            # Lock the case so that concurrent visits update its figures one after the other.
            locked = Case.objects.select_for_update().get(pk=case.pk)
            visit = Visit(
                case=locked,
                **visit_places(locked),
                branch=branch,
                recorded_by=recorded_by,
                **fields,
            )
            # One history row, "created", its snapshot holding the visitors.
            VISIT_HISTORY.save_with_m2m(visit, {"visitors": visitors})
            case_refresh_visits(case=locked)
    except IntegrityError:
        if not Visit.objects.filter(client_id=fields["client_id"]).exists():
            raise
        return None, False
    return visit.pk, True


def visit_correct(
    *,
    visit: Visit,
    user: AbstractBaseUser,
    visited_on: date,
    visitors: Iterable[AbstractBaseUser],
    place: str,
    stance: str,
    concerns: Iterable[str],
    notes: str,
    next_follow_up_on: date | None,
) -> Visit:
    """Correct what a stored visit says (the visit's page, ``/visits/<id>/correct/``);
    returns the visit as stored.

    Checked as a new visit is (``_visit_fields``: no date in the future, no follow-up before
    the visit, known stance, place and concerns), and at least one visitor: nothing is
    written when anything is refused. The case's figures are recomputed from its visits
    (``case_refresh_visits``), since the corrected visit may become, or stop being, its
    latest: its stance, status (until signed), last visit and follow-up follow.

    The visit keeps its case, project, village, branch, recorder, recording time and client
    id. Decision: a correction does not move a visit to another case; one logged under the
    wrong household or project is moved in the admin, which refreshes both cases.

    Saving what is stored (a form sent twice, saved unchanged) writes nothing: no save, no
    history row. Otherwise the visit gets one history row, naming ``user``, whose snapshot
    holds the visitors after the correction (``VISIT_HISTORY.save_with_m2m``); a change of
    visitors alone saves no column of the visit, only that row. The case's history row names
    ``user`` too.

    Locks the visit, then its case, in the order of the admin's save and delete of a visit.
    """
    fields = _visit_fields(
        visited_on=visited_on,
        place=place,
        stance=stance,
        concerns=concerns,
        notes=notes,
        next_follow_up_on=next_follow_up_on,
        client_id=visit.client_id,  # never changes
    )
    visitors = list(visitors)
    if not visitors:
        raise ValidationError({"visitors": _("Tick at least one visitor.")})
    with transaction.atomic():
        stored = Visit.objects.select_for_update().get(pk=visit.pk)
        case = Case.objects.select_for_update().get(pk=stored.case_id)
        if set(fields["concerns"]) == set(stored.concerns or []):
            fields["concerns"] = stored.concerns  # the same concerns, perhaps in another order
        changed = [name for name, value in fields.items() if getattr(stored, name) != value]
        before = set(stored.visitors.values_list("pk", flat=True))
        visit_check_visitors(case=case, visitors=visitors, keep=before)
        visitors_changed = {v.pk for v in visitors} != before
        if not changed and not visitors_changed:
            return stored
        for name in changed:
            setattr(stored, name, fields[name])
        stored._history_user = user
        VISIT_HISTORY.save_with_m2m(stored, {"visitors": visitors}, update_fields=changed)
        case._history_user = user
        case_refresh_visits(case=case)
    return stored


@dataclass(frozen=True)
class VisitSaved:
    """What the visit form tells after a save: the visit (``None``: it was already stored,
    under this client id) and the household."""

    visit_id: int | None
    household_id: int
    household_label: str

    @property
    def created(self) -> bool:
        return self.visit_id is not None


def _visit_insert_sql(
    *, case_id: int, recorder, authorize: bool, visitor_ids, branch_id=None, **fields
) -> VisitSaved | None:
    with transaction.atomic(), connection.cursor() as cursor:
        locked = visit_writes.lock_case(
            cursor, case_id=case_id, recorder=recorder, authorize=authorize
        )
        if locked is None:
            if authorize:
                return None
            raise Case.DoesNotExist(case_id)
        visit_id = visit_writes.insert_visit(
            cursor,
            case=locked,
            recorded_by_id=recorder.pk,
            branch_id=branch_id,
            visitor_ids=visitor_ids,
            now=timezone.now(),
            history_user_id=visit_writes.history_user_id(),
            **fields,
        )
    return VisitSaved(visit_id, locked.household_id, locked.household_label)


def visit_record_as_available() -> bool:
    """Whether ``visit_record_as`` can store visits on this database (PostgreSQL)."""
    return connection.vendor == "postgresql"


def visit_record_as(
    *,
    user: AbstractBaseUser,
    case_id: int,
    visited_on: date,
    place: str,
    stance: str,
    concerns: Iterable[str],
    notes: str,
    next_follow_up_on: date | None,
    client_id: uuid.UUID,
) -> VisitSaved | None:
    """The visit form's fast path (PostgreSQL): ``user`` logs a visit they made alone, and
    their right to log visits and to see the case are checked in the statement that locks the
    case (``cases.visit_writes``) instead of by five queries before it.

    ``None`` when this path cannot decide (another database; no such case; the user may not
    log visits or see the case): the caller takes the ordinary path, which answers 404 or 403
    as it always does. Raises ``ValidationError`` like ``visit_record``.
    """
    if not visit_record_as_available():
        return None
    fields = _visit_fields(
        visited_on=visited_on,
        place=place,
        stance=stance,
        concerns=concerns,
        notes=notes,
        next_follow_up_on=next_follow_up_on,
        client_id=client_id,
    )
    return _visit_insert_sql(
        case_id=case_id, recorder=user, authorize=True, visitor_ids=[user.pk], **fields
    )


def case_check_dates(
    *, signed_on: date | None, completed_on: date | None = None, status: str | None = None
) -> None:
    """The dates a signed or completed case must and may hold: a signed or completed
    ``status`` has its agreement date, a completed one its completion date; neither date in
    the future, no completion before the agreement (``case_sign``, ``case_complete`` and the
    case admin, where a status chosen without its date met the database's constraint)."""
    errors = {}
    if status in (Case.Status.SIGNED, Case.Status.COMPLETED) and signed_on is None:
        errors["agreement_signed_on"] = _("A signed case needs its agreement date.")
    if status == Case.Status.COMPLETED and completed_on is None:
        errors["completed_on"] = _("A completed case needs its completion date.")
    if signed_on and signed_on > timezone.localdate():
        errors["agreement_signed_on"] = _("The agreement date cannot be in the future.")
    if completed_on and completed_on > timezone.localdate():
        errors["completed_on"] = _("The completion date cannot be in the future.")
    if signed_on and completed_on and completed_on < signed_on:
        errors["completed_on"] = _("Completion cannot be before the agreement.")
    if errors:
        raise ValidationError(errors)


def case_check_sign(*, signed_on: date | None, compensation_yuan: Decimal | None = None) -> None:
    """What ``case_sign`` refuses whatever the case: the agreement date's rules and a negative
    amount, every error at once, each under its field (the signing form shows them all after
    one try, not the date's after the amount's is corrected)."""
    errors = {}
    try:
        case_check_dates(signed_on=signed_on, status=Case.Status.SIGNED)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if compensation_yuan is not None and compensation_yuan < 0:
        errors["compensation_yuan"] = [_("Compensation cannot be negative.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def case_sign(*, case: Case, signed_on: date, compensation_yuan: Decimal | None = None) -> Case:
    """Record the signed agreement (协议); the agreement date is required. A signed case may be
    signed again (a corrected date or amount); a completed one is refused, which would
    otherwise fall back to "signed". Signing again with what is recorded (a form sent twice)
    writes nothing, so the history holds no row without a change."""
    case_check_sign(signed_on=signed_on, compensation_yuan=compensation_yuan)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status == Case.Status.COMPLETED:
        raise ValidationError(_("A completed case cannot be signed again."))
    if (
        case.status == Case.Status.SIGNED
        and case.agreement_signed_on == signed_on
        and compensation_yuan in (None, case.compensation_yuan)
    ):
        return case
    case.status = Case.Status.SIGNED
    case.agreement_signed_on = signed_on
    if compensation_yuan is not None:
        case.compensation_yuan = compensation_yuan
    case.save(update_fields=["status", "agreement_signed_on", "compensation_yuan"])
    return case


@transaction.atomic
def case_complete(*, case: Case, completed_on: date) -> Case:
    """Compensation paid and land handed over; only a signed case can be completed. Completing
    again on the recorded date (a form sent twice) writes nothing."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status == Case.Status.COMPLETED and case.completed_on == completed_on:
        return case
    if case.status != Case.Status.SIGNED:
        raise ValidationError(_("Only a signed case can be completed."))
    case_check_dates(signed_on=case.agreement_signed_on, completed_on=completed_on)
    case.status = Case.Status.COMPLETED
    case.completed_on = completed_on
    case.save(update_fields=["status", "completed_on"])
    return case
