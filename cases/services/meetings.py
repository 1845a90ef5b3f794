"""Meetings of a project: policy Q&A (政策答疑会), party members', villagers' meetings."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Meeting, PartyBranch, Project, Village


@transaction.atomic
def meeting_record(
    *,
    project: Project,
    kind: str,
    held_on: date,
    user: AbstractBaseUser,
    village: Village | None = None,
    place: str = "",
    branch: PartyBranch | None = None,
    attendance: int = 0,
    summary: str = "",
) -> Meeting:
    """Record a meeting held for a project (attendance and minutes); not one still to come."""
    errors = {}
    if kind not in Meeting.Kind.values:
        errors["kind"] = _("Choose the kind of meeting.")
    if held_on > timezone.localdate():
        errors["held_on"] = _("A meeting is recorded once it has been held.")
    if village is not None and not project.villages.filter(pk=village.pk).exists():
        errors["village"] = _("The project does not cover %(village)s.") % {"village": village}
    if attendance is None or attendance < 0:
        errors["attendance"] = _("Attendance cannot be negative.")
    if errors:
        raise ValidationError(errors)
    meeting = Meeting(
        project=project,
        kind=kind,
        held_on=held_on,
        village=village,
        place=place,
        branch=branch,
        attendance=attendance,
        summary=summary,
    )
    meeting.save()
    return meeting
