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
