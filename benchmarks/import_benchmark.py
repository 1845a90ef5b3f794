"""Roster import speed on PostgreSQL: our command against django-import-export and COPY.

    pip install -r benchmarks/requirements.txt      # django-import-export, for comparison only
    DATABASE_URL=postgres://root@127.0.0.1:5432/landreform .venv/bin/python \\
        benchmarks/import_benchmark.py [--rows 100000] [--iie-rows 10000]

DATABASE_URL names any database on the server: the script creates a scratch database
``landreform_bench`` next to it, migrates it, measures, and drops it. It generates a
deterministic roster CSV of ``--rows`` households (100 cooperatives in 5 villages) and times,
each in a fresh subprocess (so that peak memory is that of one import):

  (a) ``import_households`` of the file into an empty table (created, with history);
  (d) the same file again (every row unchanged);
  (b) django-import-export's default ``import_data`` of the first ``--iie-rows`` rows into the
      same table (a ModelResource with import_id_fields cooperative + number);
  (c) PostgreSQL ``COPY`` of the same file into a bare table without indexes (the floor);
  (e) the same file into the real tables by SQL alone, no validation: COPY into a temporary
      table, then one INSERT of the households that writes their history rows too, and the
      commit (which checks the deferred foreign keys). What any import that keeps the indexes,
      the history and the constraints must spend in the server, whatever it does in Python;
  (f) the same rows COPYed straight into the real tables, ids and history rows made in Python
      beforehand (not timed): COPY into ``cases_household``, COPY into its history table, and
      the commit. The fastest any write can be that keeps the real tables' indexes (two of
      them trigram GIN indexes, for the search at district scale), foreign keys and history:
      the floor under (e), and under every import;
  (p) ``parse_roster`` of the file alone (reading and validating, no database);
  (m) ``import_members`` of a member roster of the same households, three members each
      (head, spouse, child: ``--rows`` × 3 people), into the households (a) wrote;
  (n) the same member roster again (every row unchanged).

``--members`` runs (a), (m) and (n) alone, for a quick comparison of the two imports; with
``--scattered`` the member roster lists every head, then every spouse, then every child (as a
roster sorted by relation does), so that no household is complete before its last third.

Times are measured inside the child, around the import call (Django start-up excluded for
all). Peak memory is the child's ``ru_maxrss``.
"""

import argparse
import csv
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_SUFFIX = "_bench"  # the scratch database: the named one's name + this
VILLAGES = ["烟南村", "镇南村", "河清社区", "英明社区", "沙口村"]
COOPS_PER_VILLAGE = 20
HEADER = ["village", "cooperative", "household_no", "head_name", "id_number", "phone"]
HEADER += ["members", "shareholders", "contracted_mu", "address", "notes"]
SURNAMES = "陈李黄张梁何吴关冯潘区罗"
GIVEN = "伟强敏芳华明丽军红英杰玲"
#: cases_household's columns that the roster fills, in the roster's order.
HOUSEHOLD_COLUMNS = ["number", "head_name", "head_id_number", "phone", "member_count"]
HOUSEHOLD_COLUMNS += ["shareholder_count", "contracted_mu", "address", "notes"]


def head_name(n: int) -> str:
    return SURNAMES[n % 12] + GIVEN[n // 12 % 12] + GIVEN[n // 144 % 12]


def id_number(n: int) -> str:
    from cases.validators import id_number_check_char

    first17 = f"440605{1950 + n % 50}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return first17 + id_number_check_char(first17)


MEMBER_HEADER = ["village", "cooperative", "household_no", "head_name", "name", "relation"]
MEMBER_HEADER += ["id_number", "phone", "collective_member", "shareholder", "shares"]
#: Each household's members: the head, a spouse, a child (relation, as the roster writes it).
RELATIONS = ["户主", "配偶", "子"]


def member_id_number(m: int) -> str:
    """Unique for m < 1,000,000 (a person belongs to one household): the birth date counts
    thousands of people, in days from 1950-01-01, the sequence number the rest."""
    from datetime import date, timedelta

    from cases.validators import id_number_check_char

    born = date(1950, 1, 1) + timedelta(days=m // 1000 * 11)
    first17 = f"440605{born:%Y%m%d}{m % 1000:03d}"
    return first17 + id_number_check_char(first17)


def _place(n: int) -> tuple[str, str]:
    coop = n % (len(VILLAGES) * COOPS_PER_VILLAGE)
    return VILLAGES[coop // COOPS_PER_VILLAGE], f"第{coop % COOPS_PER_VILLAGE + 1}经济社"


def write_members(path: Path, households: int, scattered: bool = False) -> None:
    """Deterministic: the members of ``write_roster``'s households, three a household, the
    head named as the household roster names them; household after household, or, when
    ``scattered``, relation after relation."""
    places = [(n, k) for n in range(1, households + 1) for k in range(len(RELATIONS))]
    if scattered:
        places.sort(key=lambda place: place[1])  # stable: households in order within each
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(MEMBER_HEADER)
        for n, k in places:
            village, cooperative = _place(n)
            head = head_name(n)
            m = n * len(RELATIONS) + k
            writer.writerow(
                [
                    village,
                    cooperative,
                    str(n),
                    head,
                    head if k == 0 else head_name(m + 7),
                    RELATIONS[k],
                    member_id_number(m),
                    f"139{m:08d}" if k < 2 else "",
                    "是",
                    "是" if k < 2 else "否",
                    str(1 + k % 2) if k < 2 else "0",
                ]
            )


def write_roster(path: Path, rows: int) -> None:
    """Deterministic: household n is in cooperative n % 100, numbered n."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for n in range(1, rows + 1):
            village, cooperative = _place(n)
            writer.writerow(
                [
                    village,
                    cooperative,
                    str(n),
                    head_name(n),
                    id_number(n),
                    f"138{n:08d}",
                    str(1 + n % 7),
                    str(1 + n % 5),
                    f"{n % 400 / 100:.2f}",
                    f"{village}{n % 50}巷{n % 30}号",
                    "" if n % 10 else "外出务工",
                ]
            )


# --- Children: each runs one measurement and prints JSON ---------------------------------


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "landreform.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    import django

    django.setup()


def _result(seconds: float, rows: int) -> None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_mb": peak / 1024}))


def child_setup() -> None:
    _django()
    from cases.models import Cooperative, Township, Village

    township = Township.objects.create(name="九江镇")
    for name in VILLAGES:
        village = Village.objects.create(township=township, name=name)
        Cooperative.objects.bulk_create(
            Cooperative(village=village, name=f"第{i}经济社")
            for i in range(1, COOPS_PER_VILLAGE + 1)
        )


def _child_command(command: str, model_name: str, path: str) -> None:
    """Time ``manage.py command path``; the rows are the model's, one per row of the file."""
    _django()
    from io import StringIO

    from django.apps import apps
    from django.core.management import call_command

    out = StringIO()
    start = time.perf_counter()
    call_command(command, path, stdout=out)
    seconds = time.perf_counter() - start
    _result(seconds, apps.get_model("cases", model_name).objects.count())


def child_ours(path: str) -> None:
    _child_command("import_households", "Household", path)


def child_members(path: str) -> None:
    _child_command("import_members", "Member", path)


def child_iie(path: str) -> None:
    _django()
    import tablib
    from import_export import fields, resources, widgets

    from cases.models import Cooperative, Household

    class CooperativeWidget(widgets.ForeignKeyWidget):
        """The roster names the cooperative and its village: look up the pair."""

        def clean(self, value, row=None, **kwargs):
            return Cooperative.objects.get(village__name=row["village"], name=value)

        def render(self, value, obj=None, **kwargs):
            return value.name if value else ""

    class HouseholdResource(resources.ModelResource):
        cooperative = fields.Field(
            attribute="cooperative",
            column_name="cooperative",
            widget=CooperativeWidget(Cooperative),
        )
        number = fields.Field(attribute="number", column_name="household_no")
        head_id_number = fields.Field(attribute="head_id_number", column_name="id_number")
        member_count = fields.Field(attribute="member_count", column_name="members")
        shareholder_count = fields.Field(attribute="shareholder_count", column_name="shareholders")

        class Meta:
            model = Household
            import_id_fields = ["cooperative", "number"]
            fields = [
                "cooperative",
                "number",
                "head_name",
                "head_id_number",
                "phone",
                "member_count",
                "shareholder_count",
                "contracted_mu",
                "address",
                "notes",
            ]

    dataset = tablib.Dataset().load(Path(path).read_text(encoding="utf-8"), format="csv")
    start = time.perf_counter()
    result = HouseholdResource().import_data(dataset, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - start
    _result(seconds, result.totals["new"] + result.totals["update"] + result.totals["skip"])


def child_copy(path: str) -> None:
    import psycopg2

    columns = ", ".join(f"{c} text" for c in HEADER[:6])
    columns += ", members smallint, shareholders smallint, contracted_mu numeric(10, 2)"
    columns += ", address text, notes text"
    with psycopg2.connect(os.environ["DATABASE_URL"]) as conn, conn.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy ({columns})")
        conn.commit()
        start = time.perf_counter()
        with open(path, encoding="utf-8") as f:
            cursor.copy_expert("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)", f)
        conn.commit()
        seconds = time.perf_counter() - start
        cursor.execute("SELECT count(*) FROM bench_copy")
        rows = cursor.fetchone()[0]
    _result(seconds, rows)


def child_parse(path: str) -> None:
    _django()
    from cases.roster import parse_roster

    known = {v: [f"第{i}经济社" for i in range(1, COOPS_PER_VILLAGE + 1)] for v in VILLAGES}
    data = Path(path).read_bytes()
    start = time.perf_counter()
    parsed = parse_roster(data, Path(path).name, known_cooperatives=known)
    seconds = time.perf_counter() - start
    assert not parsed.errors
    _result(seconds, len(parsed.rows))


def child_floor(path: str) -> None:
    import psycopg2

    raw = ", ".join(f"{c} text" for c in HEADER)
    fields = ", ".join(HOUSEHOLD_COLUMNS)
    tracked = f"id, cooperative_id, {fields}, created_at"
    with psycopg2.connect(os.environ["DATABASE_URL"]) as conn, conn.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute(f"CREATE TEMPORARY TABLE raw ({raw}) ON COMMIT DROP")
        with open(path, encoding="utf-8") as f:
            cursor.copy_expert(
                "COPY raw FROM STDIN WITH (FORMAT csv, HEADER true, FORCE_NOT_NULL (notes))", f
            )
        cursor.execute(
            f"WITH written AS (INSERT INTO cases_household (cooperative_id, {fields}, "
            "created_at, updated_at) SELECT c.id, r.household_no, r.head_name, r.id_number, "
            "r.phone, r.members::smallint, r.shareholders::smallint, "
            "r.contracted_mu::numeric, r.address, r.notes, now(), now() FROM raw r "
            "JOIN cases_village v ON v.name = r.village "
            "JOIN cases_cooperative c ON c.village_id = v.id AND c.name = r.cooperative "
            f"RETURNING {tracked}) INSERT INTO cases_historicalhousehold ({tracked}, "
            f"history_date, history_change_reason, history_type) SELECT {tracked}, now(), "
            "'benchmark', '+' FROM written"
        )
        conn.commit()
        seconds = time.perf_counter() - start
        cursor.execute("SELECT count(*) FROM cases_household")
        rows = cursor.fetchone()[0]
    _result(seconds, rows)


def child_direct(path: str) -> None:
    import psycopg2

    household = ["id", "cooperative_id", *HOUSEHOLD_COLUMNS, "created_at"]
    with psycopg2.connect(os.environ["DATABASE_URL"]) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT v.name, c.name, c.id FROM cases_cooperative c "
            "JOIN cases_village v ON v.id = c.village_id"
        )
        cooperatives = {(v, c): pk for v, c, pk in cursor.fetchall()}
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))[1:]
        # Reserve the ids in one statement (nothing else writes to the scratch database).
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('cases_household', 'id'), "
            "nextval(pg_get_serial_sequence('cases_household', 'id')) + %s - 1)",
            [len(rows)],
        )
        first = cursor.fetchone()[0] - len(rows) + 1
        cursor.execute("SELECT now()")
        now = cursor.fetchone()[0].isoformat()
        households, history = io.StringIO(), io.StringIO()
        out_h = csv.writer(households, lineterminator="\n")
        out_r = csv.writer(history, lineterminator="\n")
        for i, r in enumerate(rows):
            values = [first + i, cooperatives[(r[0], r[1])], *r[2:], now]
            out_h.writerow([*values, now])
            out_r.writerow([*values, now, "benchmark", "+"])
        households.seek(0)
        history.seek(0)
        conn.commit()
        copy = "COPY {} ({}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (notes))"
        start = time.perf_counter()
        cursor.copy_expert(
            copy.format("cases_household", ", ".join([*household, "updated_at"])), households
        )
        after_households = time.perf_counter()
        columns = [*household, "history_date", "history_change_reason", "history_type"]
        cursor.copy_expert(copy.format("cases_historicalhousehold", ", ".join(columns)), history)
        after_history = time.perf_counter()
        conn.commit()
        seconds = time.perf_counter() - start
        cursor.execute("SELECT count(*) FROM cases_household")
        count = cursor.fetchone()[0]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    split = {
        "households": after_households - start,
        "history": after_history - after_households,
        "commit": seconds - (after_history - start),
    }
    print(json.dumps({"seconds": seconds, "rows": count, "peak_mb": peak, "split": split}))


# --- The parent -----------------------------------------------------------------------------


def _run(env: dict, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.exit(f"{args[0]} failed:\n{done.stdout}\n{done.stderr}")
    lines = done.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {}


def _admin_sql(url: str, sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(sql)
    conn.close()


def _truncate(bench_url: str) -> None:
    _admin_sql(
        bench_url,
        "TRUNCATE cases_household, cases_historicalhousehold RESTART IDENTITY CASCADE",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--iie-rows", type=int, default=10_000)
    parser.add_argument(
        "--members", action="store_true", help="time (a), (m) and (n) alone: the two imports"
    )
    parser.add_argument(
        "--scattered",
        action="store_true",
        help="the member roster relation after relation, not household after household",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        kind, *args = options.child
        children = {"setup": child_setup, "ours": child_ours, "iie": child_iie}
        children.update(copy=child_copy, floor=child_floor, parse=child_parse)
        children.update(direct=child_direct, members=child_members)
        children[kind](*args)
        return

    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL=postgres://… : the benchmark runs on PostgreSQL.")
    # Named after the database given, so that benchmarks against two databases do not meet.
    bench_db = urlsplit(base).path.lstrip("/") + BENCH_SUFFIX
    bench_url = urlunsplit(urlsplit(base)._replace(path=f"/{bench_db}"))
    env = {**os.environ, "DATABASE_URL": bench_url}
    _admin_sql(base, f"DROP DATABASE IF EXISTS {bench_db}")
    _admin_sql(base, f"CREATE DATABASE {bench_db}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            roster, subset = Path(tmp) / "roster.csv", Path(tmp) / "roster-subset.csv"
            members = Path(tmp) / "members.csv"
            write_roster(roster, options.rows)
            write_roster(subset, min(options.iie_rows, options.rows))
            write_members(members, options.rows, options.scattered)
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True
            )
            _run(env, "setup")
            results = {}
            if options.members:
                results["ours"] = _run(env, "ours", str(roster))
                results["members"] = _run(env, "members", str(members))
                results["members_again"] = _run(env, "members", str(members))
                return _print(results, options)
            results["iie"] = _run(env, "iie", str(subset))
            _truncate(bench_url)
            results["ours_subset"] = _run(env, "ours", str(subset))
            _truncate(bench_url)
            results["ours"] = _run(env, "ours", str(roster))
            results["reimport"] = _run(env, "ours", str(roster))
            results["members"] = _run(env, "members", str(members))
            results["members_again"] = _run(env, "members", str(members))
            results["copy"] = _run(env, "copy", str(roster))
            _truncate(bench_url)
            results["floor"] = _run(env, "floor", str(roster))
            _truncate(bench_url)
            results["direct"] = _run(env, "direct", str(roster))
            results["parse"] = _run(env, "parse", str(roster))
    finally:
        _admin_sql(base, f"DROP DATABASE IF EXISTS {bench_db}")
    _print(results, options)


def _print(results: dict, options) -> None:
    def rate(r):
        return r["rows"] / r["seconds"]

    labels = {
        "ours": f"(a) import_households, {options.rows:,} new rows",
        "reimport": f"(d) import_households again, {options.rows:,} unchanged",
        "ours_subset": f"    import_households, first {options.iie_rows:,} rows",
        "iie": f"(b) django-import-export, first {options.iie_rows:,} rows",
        "copy": f"(c) PostgreSQL COPY into a bare table, {options.rows:,} rows",
        "floor": "(e) SQL alone into the real tables, with history",
        "direct": "(f) COPY straight into the real tables, with history",
        "parse": "(p) parse_roster alone, no database",
        "members": f"(m) import_members, {options.rows * len(RELATIONS):,} new members"
        + (", scattered" if options.scattered else ""),
        "members_again": "(n) import_members again, all unchanged",
    }
    print(f"{'measurement':<58} {'rows':>8} {'seconds':>8} {'rows/s':>9} {'peak MB':>8}")
    keys = ("ours", "reimport", "ours_subset", "iie", "copy", "floor", "direct", "parse")
    for key in (*keys, "members", "members_again"):
        if key not in results:
            continue
        r = results[key]
        print(
            f"{labels[key]:<58} {r['rows']:>8,} {r['seconds']:>8.2f} {rate(r):>9,.0f}"
            f" {r['peak_mb']:>8.0f}"
        )
    ours, members = results["ours"], results["members"]
    print()
    print(f"members / households, rows/s: {rate(members) / rate(ours):5.2f}    (target >= 0.5)")
    if options.members:
        return
    copy, iie, again = (results[k] for k in ("copy", "iie", "reimport"))
    print(f"ours / django-import-export: {rate(ours) / rate(iie):6.1f}x   (target >= 10x)")
    print(f"ours / COPY:                 {rate(ours) / rate(copy):6.2f}    (target >= 0.25)")
    print(f"re-import / first import:    {rate(again) / rate(ours):6.2f}    (target >= 1)")
    floor = results["floor"]
    print(f"(e) SQL alone / COPY:        {rate(floor) / rate(copy):6.2f}    (no import beats it)")
    print(f"ours / (e) SQL alone:        {rate(ours) / rate(floor):6.2f}")
    direct = results["direct"]
    print(f"(f) COPY into real / COPY:   {rate(direct) / rate(copy):6.2f}    (no write beats it)")
    split = ", ".join(f"{k} {v:.2f} s" for k, v in direct["split"].items())
    print(f"(f) split:                   {split}")
    print(f"peak memory of our import:   {ours['peak_mb']:6.0f} MB (target < 300 MB)")
    print(
        f"django-import-export was timed on the first {options.iie_rows:,} rows only "
        "(its rows/s is computed on those); the others on the whole file."
    )


if __name__ == "__main__":
    main()
