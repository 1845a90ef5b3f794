"""A synthetic district for scale tests and benchmarks (``manage.py seed_scale``).

Everything is invented and deterministic (a fixed random seed). Rows are streamed as tuples
and written with PostgreSQL ``COPY`` (bulk_create on other databases, for small tests).
Explicit primary keys are assigned here so that children can point at parents without reading
anything back; sequences are reset at the end. No history rows are written: a seed is not an
edit. Nor, then, snapshots of the visits' visitors (``Visit.history``'s ``m2m_fields``): each
hangs from a history row of its visit, and writing those for millions of seeded visits would
make a seed an edit and double what it writes for visits. The case figures (visit count, last
visit, stance, status, next follow-up) are computed from the generated visits, so the data is
as consistent as data logged through the app.

Shape: villages of ``COOPS_PER_VILLAGE`` cooperatives of ``HOUSEHOLDS_PER_COOP`` households;
one project per ``VILLAGES_PER_PROJECT`` villages except the first, which covers a fifth of
the district (the "largest project" of the benchmarks); every household has one case.
"""

import csv
import io
import json
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone

from .models import (
    Ballot,
    Case,
    Cooperative,
    Household,
    Member,
    PartyBranch,
    Project,
    StaffProfile,
    Township,
    Village,
    Visit,
    Vote,
    Voter,
)
from .validators import id_number_check_char

HOUSEHOLDS_PER_COOP = 250
COOPS_PER_VILLAGE = 8
VILLAGES_PER_PROJECT = 10
WORKERS_PER_VILLAGE = 2
VOTERS_PER_VOTE_COOPS = 25  # one cooperative vote every 25 cooperatives
SURNAMES = "关梁陈黄李何潘冯岑朱吴张罗麦区谭曾邓林郭"
GIVEN = "志伟嘉明丽华家俊秀英国强少玲永健美珍建新惠芳锦荣淑仪子健振东绮雯润生"
STANCES = ["supportive", "supportive", "undecided", "opposed", "unknown"]
PLACES = ["home", "home", "workplace", "phone", "office"]
CONCERNS = ['["compensation"]', '["resettlement"]', "[]", "[]", '["tenants", "boundaries"]']
STATUS_FOR_STANCE = {
    "unknown": "visited",
    "supportive": "supportive",
    "undecided": "undecided",
    "opposed": "opposed",
}


@dataclass
class Progress:
    write: Callable[[str], None]
    started: float = 0.0

    def __post_init__(self):
        self.started = time.perf_counter()

    def __call__(self, label: str, rows: int) -> None:
        self.write(f"  {label:<12} {rows:>10,} rows  {time.perf_counter() - self.started:7.1f} s")


class _Table:
    """Writes tuples of ``fields`` into a model's table; other columns take their defaults."""

    def __init__(self, model: type[models.Model], fields: list[str]):
        self.model = model
        concrete = [f for f in model._meta.concrete_fields]
        by_name = {f.name: f for f in concrete}
        self.fields = [by_name[name] for name in fields]
        self.rest = [f for f in concrete if f.name not in fields and not f.primary_key]
        now = timezone.now()
        self.rest_values = tuple(self._default(f, now) for f in self.rest)
        self.columns = [f.column for f in self.fields + self.rest]

    @staticmethod
    def _default(field, now):
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return now
        if field.has_default():
            value = field.get_default()
            return value() if callable(value) else value
        if field.null:
            return None
        if isinstance(field, models.CharField | models.TextField):
            return ""
        raise ValueError(f"{field} needs a value")

    def write(self, rows: Iterable[tuple], chunk: int = 100_000) -> int:
        if connection.vendor == "postgresql":
            return self._copy(rows, chunk)
        return self._bulk(rows, chunk)

    def _copy(self, rows, chunk) -> int:
        table = connection.ops.quote_name(self.model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        text_cols = [
            connection.ops.quote_name(f.column)
            for f in self.fields + self.rest
            if isinstance(f, models.CharField | models.TextField) and not f.null
        ]
        force = f", FORCE_NOT_NULL ({', '.join(text_cols)})" if text_cols else ""
        sql = f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv{force})"
        total = 0
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        rest = self.rest_values
        with connection.cursor() as cursor:
            raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
            pending = 0
            for row in rows:
                writer.writerow(row + rest)
                pending += 1
                if pending == chunk:
                    buffer.seek(0)
                    raw.copy_expert(sql, buffer)
                    total += pending
                    pending = 0
                    buffer.seek(0)
                    buffer.truncate()
            if pending:
                buffer.seek(0)
                raw.copy_expert(sql, buffer)
                total += pending
        return total

    def _bulk(self, rows, chunk) -> int:
        names = [f.attname for f in self.fields + self.rest]
        json_names = [f.attname for f in self.fields if isinstance(f, models.JSONField)]
        batch, total = [], 0
        for row in rows:
            values = dict(zip(names, row + self.rest_values, strict=True))
            for name in json_names:
                values[name] = json.loads(values[name])
            batch.append(self.model(**values))
            if len(batch) == 2000:
                self.model.objects.bulk_create(batch)
                total += len(batch)
                batch = []
        if batch:
            self.model.objects.bulk_create(batch)
            total += len(batch)
        return total


def _next_id(model) -> int:
    return (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1


def _reset_sequences(models_: list) -> None:
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), models_)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


#: Tables that take millions of rows: their foreign keys, unique constraints and secondary
#: indexes are dropped before COPY and re-created after it, as pg_restore does. Re-creating
#: a foreign key checks every row in one join; keeping it checks each row by a trigger.
def _big_tables() -> list[str]:
    return [
        m._meta.db_table
        for m in (Household, Member, Case, Visit, Visit.visitors.through, Voter, Ballot)
    ]


def _drop_constraints_and_indexes(tables: list[str]) -> list[str]:
    """Drop FK / unique constraints and secondary indexes of ``tables``; return the SQL that
    re-creates them (unique constraints and indexes first, then the foreign keys)."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid)
            FROM pg_constraint c
            WHERE c.contype IN ('f', 'u') AND c.conrelid::regclass::text = ANY(%s)
            """,
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = ANY(%s) AND i.schemaname = current_schema()
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                              WHERE c.conname = i.indexname AND c.contype IN ('p', 'u'))
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        # Foreign keys first: one may refer to a unique constraint (a ballot's (voter, vote)).
        for table, name, _kind, _definition in sorted(constraints, key=lambda c: c[2] != "f"):
            cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {qn(name)}")
    unique = [
        f"ALTER TABLE {qn(t)} ADD CONSTRAINT {qn(n)} {d}" for t, n, k, d in constraints if k == "u"
    ]
    foreign = [
        f"ALTER TABLE {qn(t)} ADD CONSTRAINT {qn(n)} {d}" for t, n, k, d in constraints if k == "f"
    ]
    return unique + [d for _n, d in indexes] + foreign


def _recreate(statements: list[str], write) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    write(f"  re-created {len(statements)} indexes and constraints")


def _id_number(rng: random.Random, birth: date) -> str:
    first17 = f"440605{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_number_check_char(first17)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)


def seed_district(
    *, households: int, visits_per_household: int = 5, seed: int = 7, write=print
) -> dict:
    """Generate the district; returns the number of rows written per table."""
    rng = random.Random(seed)
    progress = Progress(write)
    today = timezone.localdate()
    counts: dict[str, int] = {}
    n_coops = max(1, -(-households // HOUSEHOLDS_PER_COOP))
    n_villages = max(1, -(-n_coops // COOPS_PER_VILLAGE))

    with transaction.atomic():
        township, _ = Township.objects.get_or_create(name="合成区（压测数据，虚构）")
        base = Village.objects.filter(township=township).count()
        if base:
            raise ValueError("the synthetic district exists already; use a fresh database")

        postgres = connection.vendor == "postgresql"
        recreate = _drop_constraints_and_indexes(_big_tables()) if postgres else []
        user_model = get_user_model()
        v0, c0, b0, u0 = (_next_id(m) for m in (Village, Cooperative, PartyBranch, user_model))
        village_ids = list(range(v0, v0 + n_villages))
        counts["villages"] = _Table(Village, ["id", "township", "name", "kind"]).write(
            (vid, township.pk, f"合成第{i + 1:04d}村", "village")
            for i, vid in enumerate(village_ids)
        )
        coop_village = [village_ids[i // COOPS_PER_VILLAGE] for i in range(n_coops)]
        counts["cooperatives"] = _Table(Cooperative, ["id", "village", "name"]).write(
            (c0 + i, coop_village[i], f"第{i % COOPS_PER_VILLAGE + 1}经济社")
            for i in range(n_coops)
        )
        counts["branches"] = _Table(
            PartyBranch, ["id", "township", "village", "name", "kind"]
        ).write(
            (b0 + i, township.pk, vid, f"合成第{i + 1:04d}村党委", "committee")
            for i, vid in enumerate(village_ids)
        )
        n_users = n_villages * WORKERS_PER_VILLAGE
        now = timezone.now()
        counts["users"] = _Table(
            user_model, ["id", "username", "password", "is_active", "date_joined"]
        ).write((u0 + i, f"syn{u0 + i}", "!synthetic", True, now) for i in range(n_users))
        p0 = _next_id(StaffProfile)
        _Table(StaffProfile, ["id", "user", "branch", "title"]).write(
            (p0 + i, u0 + i, b0 + i // WORKERS_PER_VILLAGE, "党员（虚构）") for i in range(n_users)
        )
        through = StaffProfile.villages.through
        _Table(through, ["staffprofile", "village"]).write(
            (p0 + i, village_ids[i // WORKERS_PER_VILLAGE]) for i in range(n_users)
        )
        progress("geography", n_villages + n_coops + n_users)

        # Projects: the first covers a fifth of the villages, the rest ten villages each.
        big = max(1, n_villages // 5)
        spans = [(0, big)] + [
            (s, min(s + VILLAGES_PER_PROJECT, n_villages))
            for s in range(big, n_villages, VILLAGES_PER_PROJECT)
        ]
        j0 = _next_id(Project)
        project_ids = list(range(j0, j0 + len(spans)))
        _Table(
            Project, ["id", "township", "name", "kind", "status", "started_on", "area_mu"]
        ).write(
            (
                pid,
                township.pk,
                f"合成项目{k + 1:03d}（虚构）",
                "acquisition",
                "active",
                today - timedelta(days=730),
                Decimal(rng.randint(100, 5000)),
            )
            for k, pid in enumerate(project_ids)
        )
        _Table(Project.villages.through, ["project", "village"]).write(
            (project_ids[k], village_ids[v]) for k, (a, b) in enumerate(spans) for v in range(a, b)
        )
        project_of_village = {}
        for k, (a, b) in enumerate(spans):
            for v in range(a, b):
                project_of_village[village_ids[v]] = project_ids[k]
        counts["projects"] = len(project_ids)

        h0, m0, k0, w0 = (_next_id(m) for m in (Household, Member, Case, Visit))

        def household_rows() -> Iterator[tuple]:
            for i in range(households):
                birth = date(rng.randint(1945, 1990), rng.randint(1, 12), rng.randint(1, 28))
                yield (
                    h0 + i,
                    c0 + i // HOUSEHOLDS_PER_COOP,
                    f"{i % HOUSEHOLDS_PER_COOP + 1:04d}",
                    _name(rng),
                    _id_number(rng, birth),
                    f"139{i:08d}"[:11],
                    3,
                    Decimal(rng.randint(10, 500)) / 100,
                    "合成数据，虚构。",
                )

        counts["households"] = _Table(
            Household,
            [
                "id",
                "cooperative",
                "number",
                "head_name",
                "head_id_number",
                "phone",
                "member_count",
                "contracted_mu",
                "notes",
            ],
        ).write(household_rows())
        progress("households", counts["households"])

        def member_rows() -> Iterator[tuple]:
            mid = m0
            for i in range(households):
                for j, rel in enumerate(("head", "spouse", "child")):
                    birth = date(1950 + (i + j * 17) % 60, 1 + i % 12, 1 + j * 9)
                    yield (mid, h0 + i, _name(rng), rel, birth, True, j < 2, 1 if j < 2 else 0)
                    mid += 1

        counts["members"] = _Table(
            Member,
            [
                "id",
                "household",
                "name",
                "relation",
                "birth_date",
                "is_collective_member",
                "is_shareholder",
                "shares",
            ],
        ).write(member_rows())
        progress("members", counts["members"])

        # Visits first (in memory per household), then the cases with figures derived from them.
        case_figures: list[tuple] = []
        visitors_of: list[int] = []

        def visit_rows() -> Iterator[tuple]:
            vid = w0
            start = today - timedelta(days=720)
            for i in range(households):
                coop = i // HOUSEHOLDS_PER_COOP
                village_index = coop // COOPS_PER_VILLAGE
                worker = u0 + village_index * WORKERS_PER_VILLAGE
                branch = b0 + village_index
                project = project_of_village[coop_village[coop]]
                n = rng.randint(0, 2 * visits_per_household)
                day = start + timedelta(days=rng.randint(0, 300))
                last = stance = follow = None
                for _ in range(n):
                    day = min(today, day + timedelta(days=rng.randint(1, 60)))
                    stance = rng.choice(STANCES)
                    follow = (
                        day + timedelta(days=rng.randint(3, 40)) if stance != "supportive" else None
                    )
                    at = timezone.make_aware(datetime.combine(day, datetime.min.time()))
                    yield (
                        vid,
                        k0 + i,
                        project,
                        coop_village[coop],
                        day,
                        branch,
                        rng.choice(PLACES),
                        stance,
                        rng.choice(CONCERNS),
                        "",
                        follow,
                        uuid.UUID(int=rng.getrandbits(128)),
                        worker + (vid & 1),
                        at,
                    )
                    visitors_of.append(worker + (vid & 1))
                    vid += 1
                    last = day
                case_figures.append((n, last, stance, follow))

        counts["visits"] = _Table(
            Visit,
            [
                "id",
                "case",
                "project",
                "village",
                "visited_on",
                "branch",
                "place",
                "stance",
                "concerns",
                "notes",
                "next_follow_up_on",
                "client_id",
                "recorded_by",
                "recorded_at",
            ],
        ).write(visit_rows())
        progress("visits", counts["visits"])
        _Table(Visit.visitors.through, ["visit", "user"]).write(
            (w0 + i, user) for i, user in enumerate(visitors_of)
        )
        progress("visitors", len(visitors_of))

        def case_rows() -> Iterator[tuple]:
            for i, (n, last, stance, follow) in enumerate(case_figures):
                village = coop_village[i // HOUSEHOLDS_PER_COOP]
                signed = n and stance == "supportive" and i % 3 == 0
                status = (
                    "signed" if signed else (STATUS_FOR_STANCE[stance] if n else "not_contacted")
                )
                yield (
                    k0 + i,
                    project_of_village[village],
                    h0 + i,
                    status,
                    stance or "unknown",
                    Decimal(rng.randint(10, 300)) / 100,
                    n,
                    last,
                    follow,
                    last if signed else None,
                )

        counts["cases"] = _Table(
            Case,
            [
                "id",
                "project",
                "household",
                "status",
                "stance",
                "affected_mu",
                "visit_count",
                "last_visit_on",
                "next_follow_up_on",
                "agreement_signed_on",
            ],
        ).write(case_rows())
        progress("cases", counts["cases"])

        counts["ballots"] = _votes(
            rng, today, c0, n_coops, coop_village, h0, h0 + households, u0, project_of_village
        )
        progress("votes", counts["ballots"])
        if recreate:
            _recreate(recreate, write)
            progress("indexes", 0)
        _reset_sequences(
            [
                Village,
                Cooperative,
                PartyBranch,
                user_model,
                StaffProfile,
                Project,
                Household,
                Member,
                Case,
                Visit,
                Vote,
                Voter,
                Ballot,
            ]
        )
    if connection.vendor == "postgresql":
        # Statistics for the planner, and (outside a transaction) the visibility map, so
        # that counts can be index-only scans at once instead of after autovacuum.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
    progress("done", sum(counts.values()))
    return counts


def _votes(rng, today, c0, n_coops, coop_village, h0, h_end, u0, project_of_village) -> int:
    """A per-household vote in every ``VOTERS_PER_VOTE_COOPS``-th cooperative, mostly cast."""
    vote_id, voter_id, ballot_id = _next_id(Vote), _next_id(Voter), _next_id(Ballot)
    votes, voters, ballots = [], [], []
    for coop in range(0, n_coops, VOTERS_PER_VOTE_COOPS):
        village = coop_village[coop]
        votes.append(
            (
                vote_id,
                project_of_village[village],
                "土地整理方案（合成）",
                village,
                c0 + coop,
                "group_meeting",
                "household",
                today - timedelta(days=30),
                today + timedelta(days=30),
                "open",
            )
        )
        for k in range(HOUSEHOLDS_PER_COOP):
            hh = h0 + coop * HOUSEHOLDS_PER_COOP + k
            if hh >= h_end:
                break
            voters.append((voter_id, vote_id, hh, f"户{hh}"))
            if rng.random() < 0.8:
                ballots.append(
                    (
                        ballot_id,
                        vote_id,
                        voter_id,
                        rng.choice(["for", "for", "against", "abstain"]),
                        "door_to_door",
                        today - timedelta(days=rng.randint(0, 20)),
                        u0,
                    )
                )
                ballot_id += 1
            voter_id += 1
        vote_id += 1
    _Table(
        Vote,
        [
            "id",
            "project",
            "subject",
            "village",
            "cooperative",
            "rule_code",
            "basis",
            "opens_on",
            "closes_on",
            "status",
        ],
    ).write(votes)
    _Table(Voter, ["id", "vote", "household", "name"]).write(voters)
    return _Table(
        Ballot, ["id", "vote", "voter", "choice", "method", "cast_on", "recorded_by"]
    ).write(ballots)
