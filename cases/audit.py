"""Audit history, read and written in bulk (django-simple-history underneath).

``household_history(household, user)`` is a household's story as "who changed what, when,
old → new": the household itself, its members, its cases and their visits (their visitors
too, by name), newest first, in five queries however long the story (render it with
``templates/cases/partials/history.html``).

``bulk_history(model, objs, user, reason)`` saves many rows and their history rows with one
query per batch each, for the importer; ``save()`` in a loop would write two per row.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .access import id_number_for, phone_for
from .models import Case, Household, Member, Visit
from .templatetags.landreform import person
from .wording import join_list

#: history_type → what happened
# (context "history": the field label "created" is a timestamp, 创建时间; here it is an action.)
KINDS = {
    "+": pgettext_lazy("history", "created"),
    "~": pgettext_lazy("history", "changed"),
    "-": pgettext_lazy("history", "deleted"),
}
#: Fields masked for users without ``cases.view_personal_numbers``.
PERSONAL = {"head_id_number": id_number_for, "id_number": id_number_for, "phone": phone_for}
#: Bookkeeping that says nothing a person changed.
IGNORED = {"updated_at", "client_id"}


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryRow:
    when: datetime
    who: object  # the user, or None (a command, an import without a user)
    kind: str
    what: str  # the model's name, e.g. "member"
    label: str  # which one, e.g. the member's name
    reason: str
    changes: list[Change] = field(default_factory=list)


def household_history(household: Household, user) -> list[HistoryRow]:
    """The history of ``household`` and everything hanging from it, newest first. The caller
    fetched the household for ``user`` (``get_for_user``); numbers are masked for ``user``."""
    # Its cases now, and those that were once its (their history says so). A case with no
    # history row (loaded from a fixture, as the demo's) is only in the first: reading the
    # history alone lost every change to its visits.
    visits = Visit.history.filter(
        models.Q(case_id__in=Case.objects.filter(household_id=household.pk).values("id"))
        | models.Q(case_id__in=Case.history.filter(household_id=household.pk).values("id"))
    )
    sources = [
        (Household.history.filter(id=household.pk), {}),
        (Member.history.filter(household_id=household.pk), {}),
        (Case.history.filter(household_id=household.pk).select_related("project"), {}),
        (visits, _snapshots(visits)),
    ]
    rows = []
    for records, snapshots in sources:
        rows.extend(_rows(records.select_related("history_user"), user, snapshots))
    rows.sort(key=lambda row: row.when, reverse=True)
    return rows


def _snapshots(records) -> dict[int, dict[str, list]]:
    """The many-to-many values each of ``records`` holds (``m2m_fields``: a visit's visitors):
    history id → field name → its snapshot rows, each with its related object selected (None
    for one deleted since). One query per field for all of them, where ``diff_against`` would
    read two per row."""
    snapshots: dict[int, dict[str, list]] = {}
    for m2m in records.model._history_m2m_fields:
        rows = (
            getattr(records.model, m2m.name)
            .model.objects.filter(history__in=records.values("history_id"))
            .select_related(m2m.m2m_reverse_field_name())
            .order_by("history_id", "id")
        )
        for row in rows:
            by_field = snapshots.setdefault(row.history_id, {})
            by_field.setdefault(m2m.name, []).append(row)
    return snapshots


def _m2m_changes(record, before, snapshots) -> list[Change]:
    """How ``record`` changed its many-to-many values from ``before`` (its previous history
    row, or None), from ``_snapshots``: on a created row, the values it was created with. A row
    written before they were in the history has none: nothing is shown for it, and the row
    after it shows them as "not recorded" before (a visit always has a visitor, so an empty
    snapshot means not recorded, not no one)."""
    changes = []
    for m2m in record._history_m2m_fields:
        new = snapshots.get(record.history_id, {}).get(m2m.name)
        if not new or record.history_type == "-":
            continue
        was = snapshots.get(before.history_id, {}).get(m2m.name) if before else None
        if record.history_type == "+":
            old = "—"
        elif not was:
            old = str(_("not recorded"))
        elif _related(m2m, was) == _related(m2m, new):
            continue
        else:
            old = _names(m2m, was)
        changes.append(Change(field=str(m2m.verbose_name), old=old, new=_names(m2m, new)))
    return changes


def _related(m2m, rows) -> set:
    return {getattr(row, f"{m2m.m2m_reverse_field_name()}_id") for row in rows}


def _names(m2m, rows) -> str:
    """The related users by name (``person``); one deleted since by the id the row kept."""
    name = m2m.m2m_reverse_field_name()
    return join_list(
        person(related)
        if (related := getattr(row, name)) is not None
        else f"#{getattr(row, f'{name}_id')}"
        for row in rows
    )


def _rows(records, user, snapshots) -> list[HistoryRow]:
    model = records.model.instance_type
    m2m = [field.name for field in records.model._history_m2m_fields]
    rows, previous = [], {}
    for record in records.order_by("history_date", "history_id"):
        before = previous.get(record.id)
        changes = []
        if before is not None and record.history_type == "~":
            delta = record.diff_against(before, foreign_keys_are_objs=False, excluded_fields=m2m)
            changes = [
                Change(
                    field=str(model._meta.get_field(c.field).verbose_name),
                    old=_display(model, c.field, c.old, user),
                    new=_display(model, c.field, c.new, user),
                )
                for c in delta.changes
                if c.field not in IGNORED
            ]
        changes += _m2m_changes(record, before, snapshots)
        previous[record.id] = record
        # Saved without a change; a reason tells a change the fields do not hold (rows of
        # visits corrected before their visitors were in the history: "Visitors: A → B").
        if (
            record.history_type == "~"
            and before is not None
            and not changes
            and not record.history_change_reason
        ):
            continue
        rows.append(
            HistoryRow(
                when=record.history_date,
                who=record.history_user,
                kind=str(KINDS.get(record.history_type, record.history_type)),
                what=str(model._meta.verbose_name),
                label=_label(model, record),
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    return rows


def _label(model, record) -> str:
    if model is Household:
        return f"{record.number} {record.head_name}"
    if model is Member:
        return record.name
    if model is Case:
        return str(record.project.name) if record.project_id else ""
    if model is Visit:
        return str(record.visited_on)
    return str(record.id)


def _display(model, name, value, user) -> str:
    if value is None or value == "":
        return "—"
    if name in PERSONAL:
        return PERSONAL[name](user, str(value))
    db_field = model._meta.get_field(name)
    if isinstance(db_field, models.BooleanField):
        return str(_("yes") if value else _("no"))
    if db_field.choices:
        return str(dict(db_field.flatchoices).get(value, value))
    if isinstance(value, list):
        labels = dict(Visit.Concern.choices) if name == "concerns" else {}
        return ", ".join(str(labels.get(v, v)) for v in value) or "—"
    if db_field.is_relation:
        return f"#{value}"
    return str(value)


def bulk_history(model, objs, user, reason: str, *, fields=None, now=None, batch_size: int = 500):
    """Save ``objs`` of ``model`` with one history row each, in bulk: created when ``fields``
    is None (returns the objects with their ids), else ``fields`` updated on existing rows.

    One INSERT (or UPDATE) per batch for the rows and one INSERT per batch for their history,
    whatever the number of rows; every history row carries ``user``, ``reason`` and ``now``
    (default: the time of each batch).
    """
    objs = list(objs)
    history = {"default_user": user, "default_change_reason": reason, "default_date": now}
    if fields is None:
        return bulk_create_with_history(objs, model, batch_size=batch_size, **history)
    bulk_update_with_history(objs, model, list(fields), batch_size=batch_size, **history)
    return objs


def user_is_named_in_records(user) -> bool:
    """Whether ``user`` is named in what the township keeps: a visit they took part in (or
    took part in as a visit's history tells, since removed from its visitors), a row of any
    history, a stage they marked done, an import they ran. Deleting such a user would
    empty those names (or, for imports, delete the record of them): such accounts are
    deactivated instead (``TownshipUserAdmin``). Rows that PROTECT their user (visits and
    ballots recorded, reveals, evidence) refuse the delete anyway."""
    from .models import Ballot, ImportJob, Stage, Vote

    if Visit.visitors.through.objects.filter(user=user).exists():
        return True
    if Visit.history.model.visitors.model.objects.filter(user=user).exists():
        return True
    if Stage.objects.filter(done_by=user).exists() or ImportJob.objects.filter(user=user).exists():
        return True
    return any(
        model.history.model.objects.filter(history_user=user).exists()
        for model in (Household, Member, Case, Visit, Vote, Ballot)
    )
