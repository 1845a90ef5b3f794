"""PostgreSQL: many rows of one model written with COPY and set-based SQL, each with its
history row, for the roster imports (households: ``cases.household_writes``; members:
``cases.member_import``).

``copy_write`` puts a batch's new and changed rows into a temporary table with one COPY; then
one statement inserts the new ones and their history rows, and one updates the changed ones
and writes theirs, each history row taken from the row as written (``RETURNING``), so it
holds exactly what simple-history's bulk helpers write (``cases.history_sql``). Ids come from
the table's identity. At most five statements a batch, inside the caller's transaction; the
imports' tests compare both ways on PostgreSQL.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import connection
from django.db.models import Field

from .history_sql import history_enabled, history_insert, tracked_columns

#: On PostgreSQL, the imports write with COPY (``copy_write``); False falls back to
#: simple-history's bulk helpers, as on other databases (the tests run both).
USE_COPY = True
#: Rows per batch on the COPY path: each batch costs a few statements, whatever its size.
COPY_BATCH_SIZE = 20_000


def in_use() -> bool:
    """Whether the imports write with ``copy_write``: on PostgreSQL, unless ``USE_COPY`` is off."""
    return USE_COPY and connection.vendor == "postgresql"


class Conflict(Exception):
    """The database no longer holds what the import read a moment ago."""


def copy_write(
    model,
    fields: Sequence[Field],
    *,
    created: Iterable[Sequence] = (),
    updated: Iterable[tuple[int, Sequence]] = (),
    changing: Sequence[Field] = (),
    now: datetime,
    reason: str,
    user,
    stamped_on_insert: Sequence[str] = (),
    stamped_on_update: Sequence[str] = (),
) -> None:
    """Insert ``created`` (each the values of ``fields``: every column a new row needs but its
    id and its ``stamped_on_insert`` columns) and update ``updated`` (each the id and the values
    of ``changing``, some of ``fields``), with a history row each, of type ``+`` or ``~``, at
    ``now``, with ``reason`` and ``user``. The ``stamped_on_…`` columns (``created_at``,
    ``updated_at``) take ``now``. ``Conflict`` unless every row was written.

    A value of None is NULL; "" in a text column that is NOT NULL is "" (COPY's
    ``FORCE_NOT_NULL``), as it is for Django.
    """
    created, updated = list(created), list(updated)
    if not created and not updated:
        return
    position = {f: i for i, f in enumerate(fields)}
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerows(("+", None, *values) for values in created)
    blank = [None] * len(fields)
    for pk, values in updated:
        row = blank.copy()
        for f, value in zip(changing, values, strict=True):
            row[position[f]] = value
        out.writerow(["~", pk, *row])
    buffer.seek(0)

    quote = connection.ops.quote_name
    table, pk_column = quote(model._meta.db_table), quote(model._meta.pk.column)
    temp = quote(f"{model._meta.db_table}_import_rows")
    columns = [quote(f.column) for f in fields]
    types = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)
    not_null = [quote(f.column) for f in fields if not f.null and f.empty_strings_allowed]
    force = f", FORCE_NOT_NULL ({', '.join(not_null)})" if not_null else ""
    history = {"now": now, "reason": reason, "user": user}
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} (kind char(1), id bigint, {types})")
        cursor.copy_expert(
            f"COPY {temp} (kind, id, {', '.join(columns)}) FROM STDIN WITH (FORMAT csv{force})",
            buffer,
        )
        if created:
            stamps = [quote(c) for c in stamped_on_insert]
            insert = (
                f"INSERT INTO {table} ({', '.join(columns + stamps)}) "
                f"SELECT {', '.join(columns + ['%s'] * len(stamps))} FROM {temp} WHERE kind = '+'"
            )
            _with_history(cursor, model, insert, [now] * len(stamps), "+", len(created), history)
        if updated:
            sets = [f"{c} = t.{c}" for c in (quote(f.column) for f in changing)]
            sets += [f"{quote(c)} = %s" for c in stamped_on_update]
            update = (
                f"UPDATE {table} w SET {', '.join(sets)} FROM {temp} t "
                f"WHERE t.kind = '~' AND w.{pk_column} = t.id"
            )
            params = [now] * len(stamped_on_update)
            _with_history(cursor, model, update, params, "~", len(updated), history, alias="w.")
        cursor.execute(f"DROP TABLE {temp}")


def _with_history(
    cursor,
    model,
    statement: str,
    params: list,
    kind: str,
    rows: int,
    history: dict,
    alias: str = "",
) -> None:
    """Run an INSERT or UPDATE of ``model`` (``alias``: its table's, in an UPDATE … FROM)
    and, in the same statement, write a history row of type ``kind`` for each row it wrote;
    ``Conflict`` unless it wrote ``rows``."""
    if history_enabled():
        tracked = ", ".join(alias + c for c in tracked_columns(model))
        cursor.execute(
            f"WITH written AS ({statement} RETURNING {tracked}) "
            + history_insert(model, "written"),
            [
                *params,
                history["now"],
                history["reason"],
                kind,
                getattr(history["user"], "pk", None),
            ],
        )
    else:
        cursor.execute(statement, params)
    if cursor.rowcount != rows:
        raise Conflict(f"{rows} rows of {model.__name__} to write, {cursor.rowcount} written")
