"""Storing a visit on PostgreSQL in two statements instead of twenty.

The visit form is the product's hottest write: township staff log visits from phones, often on
poor connections, and a district logs thousands a day. ``services.visit_record`` on SQLite
stores a visit through the ORM: lock the case, create the visit (simple-history writes its
history row from a signal), set its visitors, recompute the case's figures from its visits,
save the case (and its history row): about a dozen queries. On PostgreSQL the same rows are
written by two statements in one transaction:

1. ``lock_case``: the case locked (``FOR UPDATE``), with what the write and the message need,
   and, for the visit form, the recorder's right to log visits and to see the case checked in
   the same statement (the same rules as ``has_perm`` and ``visible_to``), so that no separate
   permission or scope queries are needed;
2. ``insert_visit``: one statement whose CTEs insert the visit (``ON CONFLICT (client_id) DO
   NOTHING``: a re-sent form stores nothing), its history row, its visitors and their
   snapshot in that history row (``Visit.history``'s ``m2m_fields``), recompute the case's
   figures from its visits exactly as ``services.case_refresh_visits`` does, update the case
   and write its history row.

Because the case is locked by the first statement, the second one's snapshot holds every visit
of the case that was committed before, so its figures are those the ORM path would compute.
tests/test_visit_writes.py checks on PostgreSQL that both paths write the same rows and history.
"""

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from simple_history.models import HistoricalRecords

from .history_sql import (
    history_enabled,
    history_insert,
    history_key,
    snapshot_columns,
    snapshot_insert,
    tracked_columns,
)
from .models import (
    CLOSED_STATUSES,
    STATUS_FOR_STANCE,
    Case,
    Cooperative,
    Household,
    StaffProfile,
    Visit,
)


@dataclass(frozen=True)
class LockedCase:
    id: int
    project_id: int
    village_id: int  # the household's, copied onto the visit (``Visit.village``)
    household_id: int
    household_label: str  # as ``str(household)``
    recorder_branch_id: int | None


def _table(model) -> str:
    return model._meta.db_table


def _permission_sql(codename: str) -> str:
    """True when the user ``%(user)s`` holds the permission ``%(app)s`` . ``%(<codename>)s``,
    directly or through a group (``ModelBackend``'s rule; superusers are handled by the
    caller)."""
    user_model = get_user_model()
    user_perms = user_model.user_permissions.through
    user_groups = user_model.groups.through
    group_perms = Group.permissions.through
    return f"""EXISTS (
        SELECT 1 FROM {_table(Permission)} p
        JOIN {_table(ContentType)} ct ON ct.id = p.content_type_id
        WHERE ct.app_label = %(app)s AND p.codename = %({codename})s AND (
            EXISTS (SELECT 1 FROM {_table(user_perms)} up
                    WHERE up.user_id = %(user)s AND up.permission_id = p.id)
            OR EXISTS (SELECT 1 FROM {_table(user_groups)} ug
                       JOIN {_table(group_perms)} gp ON gp.group_id = ug.group_id
                       WHERE ug.user_id = %(user)s AND gp.permission_id = p.id)))"""


@cache
def _lock_sql(authorize: bool) -> str:
    villages = StaffProfile.villages.through
    conditions = ""
    if authorize:
        conditions = f"""
        AND (%(superuser)s OR ({_permission_sql("add")}))
        AND (%(superuser)s OR ({_permission_sql("all")}) OR co.village_id IN (
            SELECT sv.village_id FROM {_table(villages)} sv
            JOIN {_table(StaffProfile)} sp ON sp.id = sv.staffprofile_id
            WHERE sp.user_id = %(user)s))"""
    return f"""
        SELECT c.id, c.project_id, co.village_id, c.household_id, h.number, h.head_name,
               (SELECT branch_id FROM {_table(StaffProfile)} WHERE user_id = %(user)s)
        FROM {_table(Case)} c
        JOIN {_table(Household)} h ON h.id = c.household_id
        JOIN {_table(Cooperative)} co ON co.id = h.cooperative_id
        WHERE c.id = %(case)s{conditions}
        FOR UPDATE OF c"""


#: The parameters of the two statements and their types, for ``PREPARE``.
_LOCK_TYPES = {
    "case": "bigint",
    "user": "integer",
    "superuser": "boolean",
    "app": "text",
    "add": "text",
    "all": "text",
}
_INSERT_TYPES = {
    "case_id": "bigint",
    "project_id": "bigint",
    "village_id": "bigint",
    "visited_on": "date",
    "branch_id": "bigint",
    "place": "text",
    "stance": "text",
    "concerns": "jsonb",
    "notes": "text",
    "next_follow_up_on": "date",
    "client_id": "uuid",
    "recorded_by_id": "integer",
    "recorded_at": "timestamptz",
    "visitors": "integer[]",
    "now": "timestamptz",
    "history_user": "integer",
}
_PARAM = re.compile(r"%\((\w+)\)s")


@cache
def _positional(sql: str) -> tuple[str, tuple[str, ...]]:
    """``sql`` with ``$1``, ``$2``… for its ``%(name)s`` parameters, and their names in order."""
    order = tuple(dict.fromkeys(_PARAM.findall(sql)))
    return _PARAM.sub(lambda m: f"${order.index(m.group(1)) + 1}", sql), order


def _execute_prepared(cursor, name: str, sql: str, types: dict, params: dict) -> None:
    """Run ``sql`` (with ``%(name)s`` parameters) as a prepared statement of this connection.

    Both statements are planned once per connection instead of once per visit (their planning
    cost more than their execution). ``PREPARE`` outlives a rolled-back transaction, and a
    new connection (``CONN_MAX_AGE``, a dropped connection) is noticed and prepared again.
    The statements name their columns (no ``*``), so a migration that adds a column does not
    break a prepared plan. Not for a transaction-pooling proxy (pgbouncer's ``transaction``
    mode), which would run the ``EXECUTE`` on another server session; use session pooling or
    none.
    """
    positional, order = _positional(sql)
    raw = cursor.connection
    state = getattr(connection, "_landreform_prepared", None)
    if state is None or state[0] is not raw:
        state = (raw, set())
        connection._landreform_prepared = state
    if name not in state[1]:
        signature = ", ".join(types[n] for n in order)
        cursor.execute(f"PREPARE {name} ({signature}) AS {positional}")
        state[1].add(name)
    cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(order))})", [params[n] for n in order])


def lock_case(cursor, *, case_id: int, recorder, authorize: bool) -> LockedCase | None:
    """Lock the case and read what a visit to it needs. With ``authorize``, only if
    ``recorder`` may log visits (``cases.add_visit``) and see the case; ``None`` otherwise (or
    when there is no such case): the caller then takes the ordinary path, which tells which."""
    if authorize and not recorder.is_active:
        return None
    _execute_prepared(
        cursor,
        f"landreform_visit_lock_{int(authorize)}",
        _lock_sql(authorize),
        _LOCK_TYPES,
        {
            "case": case_id,
            "user": recorder.pk,
            "superuser": bool(recorder.is_superuser),
            "app": "cases",
            "add": "add_visit",
            "all": "view_all_villages",
        },
    )
    row = cursor.fetchone()
    if row is None:
        return None
    pk, project_id, village_id, household_id, number, head_name, branch_id = row
    label = str(Household(number=number, head_name=head_name))
    return LockedCase(pk, project_id, village_id, household_id, label, branch_id)


def history_user_id() -> int | None:
    """The user simple-history would record: the request's (``HistoryRequestMiddleware``)."""
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


def _status_sql(stance: str) -> str:
    """The case's status for the stance expression ``stance`` (``STATUS_FOR_STANCE``)."""
    whens = " ".join(f"WHEN '{s}' THEN '{status}'" for s, status in STATUS_FOR_STANCE.items())
    closed = ", ".join(f"'{s}'" for s in sorted(CLOSED_STATUSES))
    return f"CASE WHEN c.status IN ({closed}) THEN c.status ELSE CASE {stance} {whens} END END"


@cache
def _insert_sql(history: bool) -> str:
    visit_columns = [f.column for f in Visit._meta.concrete_fields if not f.primary_key]
    values = ", ".join(f"%({c})s" for c in visit_columns)
    visitors = Visit.visitors.through
    parts = [
        f"""v AS (
        INSERT INTO {_table(Visit)} ({", ".join(visit_columns)}) VALUES ({values})
        ON CONFLICT (client_id) DO NOTHING
        RETURNING {", ".join(tracked_columns(Visit))})""",
        f"""vv AS (
        INSERT INTO {_table(visitors)} (visit_id, user_id)
        SELECT v.id, u FROM v CROSS JOIN unnest(%(visitors)s::integer[]) AS u
        RETURNING {", ".join(snapshot_columns(Visit, "visitors"))})""",
        # The case's figures from its visits, as case_refresh_visits computes them: the
        # visits committed before (this statement's snapshot) plus the new one.
        f"""before AS (
        SELECT count(*) AS n, max(visited_on) AS last
        FROM {_table(Visit)} WHERE case_id = %(case_id)s)""",
        f"""latest AS (
        SELECT visited_on, recorded_at, id, stance, next_follow_up_on
        FROM {_table(Visit)} WHERE case_id = %(case_id)s
        ORDER BY visited_on DESC, recorded_at DESC, id DESC LIMIT 1)""",
        """figures AS (
        SELECT before.n + 1 AS n, GREATEST(before.last, v.visited_on) AS last,
               (latest.id IS NULL OR (v.visited_on, v.recorded_at, v.id)
                   > (latest.visited_on, latest.recorded_at, latest.id)) AS newest,
               v.stance AS v_stance, v.next_follow_up_on AS v_follow_up,
               latest.stance AS l_stance, latest.next_follow_up_on AS l_follow_up
        FROM v CROSS JOIN before LEFT JOIN latest ON TRUE)""",
        f"""cu AS (
        UPDATE {_table(Case)} c SET
            visit_count = f.n,
            last_visit_on = f.last,
            stance = CASE WHEN f.newest THEN f.v_stance ELSE f.l_stance END,
            next_follow_up_on = CASE WHEN f.newest THEN f.v_follow_up ELSE f.l_follow_up END,
            status = {_status_sql("CASE WHEN f.newest THEN f.v_stance ELSE f.l_stance END")}
        FROM figures f WHERE c.id = %(case_id)s
        RETURNING {", ".join("c." + c for c in tracked_columns(Case))})""",
    ]
    if history:  # what simple-history writes: "+" for the visit, "~" for the case
        created = ("%(now)s", "NULL", "'+'", "%(history_user)s")
        changed = ("%(now)s", "NULL", "'~'", "%(history_user)s")
        returning = f"RETURNING {history_key(Visit)}"
        parts.append(f"hv AS ({history_insert(Visit, 'v', created)} {returning})")
        # The visit's history row's snapshot of its visitors (``Visit.history``'s m2m_fields).
        parts.append(f"hvv AS ({snapshot_insert(Visit, 'visitors', 'vv', 'hv')})")
        parts.append(f"hc AS ({history_insert(Case, 'cu', changed)})")
    return "WITH " + ",\n".join(parts)


def insert_visit(
    cursor,
    *,
    case: LockedCase,
    recorded_by_id: int,
    visited_on: date,
    place: str,
    stance: str,
    concerns: list[str],
    notes: str,
    next_follow_up_on: date | None,
    branch_id: int | None,
    client_id,
    visitor_ids: list[int],
    now: datetime,
    history_user_id: int | None,
) -> int | None:
    """Store the visit and update its case (after ``lock_case``, in its transaction). Returns
    the new visit's id, or ``None`` when a visit with this ``client_id`` is already stored."""
    history = history_enabled()
    _execute_prepared(
        cursor,
        f"landreform_visit_insert_{int(history)}",
        _insert_sql(history) + "\nSELECT id FROM v",
        _INSERT_TYPES,
        {
            "case_id": case.id,
            "project_id": case.project_id,
            "village_id": case.village_id,
            "visited_on": visited_on,
            "branch_id": branch_id if branch_id is not None else case.recorder_branch_id,
            "place": place,
            "stance": stance,
            "concerns": json.dumps(list(concerns)),
            "notes": notes,
            "next_follow_up_on": next_follow_up_on,
            "client_id": client_id,
            "recorded_by_id": recorded_by_id,
            "recorded_at": now,
            "visitors": list(visitor_ids),
            "now": now,
            "history_user": history_user_id,
        },
    )
    row = cursor.fetchone()
    return row[0] if row else None
