"""Writing the households of a roster import, and their history, in one of two ways.

``bulk_write`` works on every database, with simple-history's bulk helpers. ``copy_write`` is
PostgreSQL's (``cases.copy_writes``, which the member import uses too): COPY into a temporary
table, then one INSERT and one UPDATE that each write the history rows of what they wrote in
the same statement. ``cases.importing`` classifies the rows
and calls one of them per batch, inside its transaction; both write the same rows and the same
history (tests/test_import.py compares them on PostgreSQL).
"""

from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from . import copy_writes
from .audit import bulk_history
from .copy_writes import Conflict
from .models import Household
from .roster import RosterRow

#: roster column → Household field, for the columns a file may or may not carry.
OPTIONAL_FIELDS = {
    "id_number": "head_id_number",
    "phone": "phone",
    "members": "member_count",
    "shareholders": "shareholder_count",
    "contracted_mu": "contracted_mu",
    "address": "address",
    "notes": "notes",
}


@dataclass(frozen=True)
class HouseholdWrite:
    """What every write of one import shares: who, why, when, and the fields it may change."""

    user: object
    reason: str
    now: datetime
    fields: list[str]  # head_name and the optional fields the file has


#: A new household: (cooperative id, its row). A changed one: (id, values of
#: ``HouseholdWrite.fields`` after the import, names of the fields whose value changes).
Created = tuple[int, RosterRow]
Updated = tuple[int, tuple, set[str]]


def new_household_values(cooperative_id: int, row: RosterRow) -> dict:
    """The fields of a household created from ``row``; a blank cell leaves the default."""
    values = {"cooperative_id": cooperative_id, "number": row.household_no}
    values["head_name"] = row.head_name
    for column, name in OPTIONAL_FIELDS.items():
        value = getattr(row, column)
        if value not in ("", None):
            values[name] = value
    return values


def bulk_write(write: HouseholdWrite, created: list[Created], updated: list[Updated]) -> None:
    """Any database: simple-history's bulk helpers (a handful of queries per batch)."""
    history = {"user": write.user, "reason": write.reason, "now": write.now}
    if created:
        households = [Household(**new_household_values(c, row)) for c, row in created]
        bulk_history(Household, households, **history, batch_size=len(households))
    if updated:
        households = Household.objects.in_bulk([pk for pk, _after, _changed in updated])
        if len(households) != len(updated):
            raise Conflict(f"{len(updated)} households to update, {len(households)} found")
        changed_fields: set[str] = set()
        for pk, after, changed in updated:
            household = households[pk]
            for name, value in zip(write.fields, after, strict=True):
                setattr(household, name, value)
            household.updated_at = write.now
            changed_fields |= changed
        fields = sorted(changed_fields) + ["updated_at"]
        objs = list(households.values())
        bulk_history(Household, objs, **history, fields=fields, batch_size=len(objs))


# --- PostgreSQL: COPY and set-based SQL ----------------------------------------------------


def copy_write(write: HouseholdWrite, created: list[Created], updated: list[Updated]) -> None:
    """PostgreSQL: the batch's new and changed households, and their history rows, with COPY
    and set-based SQL (``cases.copy_writes``): five statements a batch."""
    # The household's fields in the roster's order, then those the roster has no column for.
    # A blank cell is "" or None, which is each field's default (tests/test_import.py).
    source = {"number": "household_no", "head_name": "head_name"}
    source.update((name, column) for column, name in OPTIONAL_FIELDS.items())
    data_fields = [Household._meta.get_field(name) for name in ["cooperative", *source]]
    data_fields += [
        f
        for f in Household._meta.concrete_fields
        if f not in data_fields and not f.primary_key and f.editable
    ]  # not created_at, updated_at: auto_now fields are not editable
    cells = attrgetter(*source.values())
    defaults = tuple(f.get_default() for f in data_fields[1 + len(source) :])
    copy_writes.copy_write(
        Household,
        data_fields,
        created=((c, *cells(row), *defaults) for c, row in created),
        updated=((pk, after) for pk, after, _changed in updated),
        changing=[Household._meta.get_field(name) for name in write.fields],
        now=write.now,
        reason=write.reason,
        user=write.user,
        stamped_on_insert=("created_at", "updated_at"),
        stamped_on_update=("updated_at",),
    )
