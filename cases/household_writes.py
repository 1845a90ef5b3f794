"""Writing the households of a roster import, and their history, in one of two ways.

``bulk_write`` works on every database, with simple-history's bulk helpers. ``copy_write`` is
PostgreSQL's: COPY into a temporary table, then one INSERT and one UPDATE that each write the
history rows of what they wrote in the same statement. ``cases.importing`` classifies the rows
and calls one of them per batch, inside its transaction; both write the same rows and the same
history (tests/test_import.py compares them on PostgreSQL).
"""

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from django.db import connection

from .audit import bulk_history
from .history_sql import history_enabled, history_insert, tracked_columns
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


class Conflict(Exception):
    """The database no longer holds what the import read a moment ago."""


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

#: On PostgreSQL, write with COPY (``copy_write``); False falls back to the generic path.
USE_COPY = True
#: Rows per batch on the COPY path: each batch costs a few statements, whatever its size.
COPY_BATCH_SIZE = 20_000
_TEMP = "households_import_rows"


def history_model():
    return Household.history.model


def copy_write(write: HouseholdWrite, created: list[Created], updated: list[Updated]) -> None:
    """PostgreSQL: the batch's new and changed households go into a temporary table with one
    COPY; then one statement inserts the new ones and their history rows, and one updates the
    changed ones and writes theirs, each history row taken from the row as written
    (``RETURNING``), so it holds exactly what simple-history's helpers would write. Ids come
    from the table's identity. Five statements a batch, inside the import's transaction.
    """
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
    columns = [f.column for f in data_fields]
    text_columns = [f.column for f in data_fields if not f.null and f.empty_strings_allowed]
    cells = attrgetter(*source.values())
    defaults = tuple(f.get_default() for f in data_fields[1 + len(source) :])
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerows(("+", None, c, *cells(row), *defaults) for c, row in created)
    position = {f.attname: i for i, f in enumerate(data_fields)}
    for pk, after, _changed in updated:
        values = [None] * len(data_fields)
        for name, value in zip(write.fields, after, strict=True):
            values[position[name]] = value
        out.writerow(["~", pk, *values])
    buffer.seek(0)

    table = connection.ops.quote_name(Household._meta.db_table)
    column_types = ", ".join(f"{f.column} {f.db_type(connection)}" for f in data_fields)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {_TEMP} (kind char(1), id bigint, {column_types})")
        cursor.copy_expert(
            f"COPY {_TEMP} (kind, id, {', '.join(columns)}) FROM STDIN WITH (FORMAT csv, "
            f"FORCE_NOT_NULL ({', '.join(text_columns)}))",
            buffer,
        )
        if created:
            insert = (
                f"INSERT INTO {table} ({', '.join(columns)}, created_at, updated_at) "
                f"SELECT {', '.join(columns)}, %s, %s FROM {_TEMP} WHERE kind = '+'"
            )
            _with_history(cursor, insert, [write.now, write.now], "+", write, len(created))
        if updated:
            changing = [Household._meta.get_field(f).column for f in write.fields]
            update = (
                f"UPDATE {table} h SET {', '.join(f'{c} = t.{c}' for c in changing)}, "
                f"updated_at = %s FROM {_TEMP} t WHERE t.kind = '~' AND h.id = t.id"
            )
            _with_history(cursor, update, [write.now], "~", write, len(updated), alias="h.")
        cursor.execute(f"DROP TABLE {_TEMP}")


def _with_history(
    cursor,
    statement: str,
    params: list,
    kind: str,
    write: HouseholdWrite,
    rows: int,
    alias: str = "",
) -> None:
    """Run an INSERT or UPDATE of households (``alias``: its table's, in an UPDATE … FROM)
    and, in the same statement, write a history row of type ``kind`` for each household it
    wrote; ``Conflict`` unless it wrote ``rows``."""
    if history_enabled():
        tracked = ", ".join(alias + c for c in tracked_columns(Household))
        cursor.execute(
            f"WITH written AS ({statement} RETURNING {tracked}) "
            + history_insert(Household, "written"),
            [*params, write.now, write.reason, kind, getattr(write.user, "pk", None)],
        )
    else:
        cursor.execute(statement, params)
    if cursor.rowcount != rows:
        raise Conflict(f"{rows} households to write, {cursor.rowcount} written")
