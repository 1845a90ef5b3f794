"""History rows written by SQL, in the statement that writes the rows they record.

simple-history writes one history row per ``save()`` from a signal. The two hot write paths
on PostgreSQL, the roster import (``cases.household_writes``) and the visit form
(``cases.visit_writes``), write their rows with set-based SQL instead, and take each history
row from the row as written (``RETURNING``), so it holds exactly what simple-history would
have written; their tests compare the two on PostgreSQL.
"""

from django.conf import settings
from django.db import connection

#: The historical model's own columns, in the order ``history_insert`` takes their values.
HISTORY_META = ("history_date", "history_change_reason", "history_type", "history_user")


def history_enabled() -> bool:
    return getattr(settings, "SIMPLE_HISTORY_ENABLED", True)


def tracked_columns(model) -> list[str]:
    """The columns of ``model`` that its history table copies."""
    return [f.column for f in model.history.model.tracked_fields]


def history_insert(model, source: str, meta_values: tuple[str, ...] = ("%s",) * 4) -> str:
    """``INSERT`` of one history row of ``model`` per row of ``source`` (a CTE or table that
    has ``tracked_columns(model)``). ``meta_values`` are the SQL expressions of the date, the
    change reason, the type (``+``, ``~``, ``-``) and the user's id: by default four
    positional parameters."""
    history = model.history.model
    tracked = tracked_columns(model)
    meta = [history._meta.get_field(name).column for name in HISTORY_META]
    return (
        f"INSERT INTO {connection.ops.quote_name(history._meta.db_table)} "
        f"({', '.join(tracked + meta)}) "
        f"SELECT {', '.join(tracked)}, {', '.join(meta_values)} FROM {source}"
    )


def history_key(model) -> str:
    """The column of the id of ``model``'s history rows (``history_id``)."""
    return model.history.model._meta.pk.column


def _snapshot_model(model, m2m: str):
    """The historical model of ``model``'s many-to-many field ``m2m`` (its ``m2m_fields``)."""
    return getattr(model.history.model, m2m).model


def snapshot_columns(model, m2m: str) -> list[str]:
    """The through table's columns that the snapshot of ``m2m`` copies, for ``RETURNING``."""
    through = model._meta.get_field(m2m).remote_field.through
    return [f.column for f in through._meta.concrete_fields]


def snapshot_insert(model, m2m: str, rows: str, history: str) -> str:
    """``INSERT`` of the snapshot of ``model``'s many-to-many field ``m2m`` (``m2m_fields``)
    as simple-history writes it after a save: the through rows ``rows`` (a CTE or table that
    has ``snapshot_columns``) of the one row whose history row is in ``history`` (a CTE that
    has its ``history_id``), each copied and keyed on that history row."""
    snapshot = _snapshot_model(model, m2m)
    copied = snapshot_columns(model, m2m)
    key = snapshot._meta.get_field("history").column
    return (
        f"INSERT INTO {connection.ops.quote_name(snapshot._meta.db_table)} "
        f"({', '.join(copied)}, {key}) "
        f"SELECT {', '.join(f'{rows}.{c}' for c in copied)}, {history}.{history_key(model)} "
        f"FROM {rows} CROSS JOIN {history}"
    )
