"""District scale on PostgreSQL: the pages against their SQL floor, and visit logging under load.

    DATABASE_URL=postgres://root@127.0.0.1:5432/landreform_scale_small \\
        .venv/bin/python manage.py seed_scale --households 100000        # or 1,000,000
    DATABASE_URL=postgres://root@127.0.0.1:5432/landreform_scale_small \\
        .venv/bin/python benchmarks/scale_benchmark.py [--runs 7] [--seconds 30] [--connections 8]

Runs on a database seeded by ``seed_scale`` (the largest project is 合成项目001). It creates
two benchmark users if missing: ``bench_staff`` (township staff, township-wide) and
``bench_cadre`` (village cadre of the first village of that project). Prints one table:

  - the project dashboard: median server time of ``--runs`` requests through Django's test
    client, against the floor: the same figures computed by hand-written SQL through one
    cursor (conditional aggregation), timed in the same run; the ratio; and a check that
    the hand-written figures equal the dashboard's;
  - list pages, the household page, the tally page and the admin changelists (median ms and
    SQL queries), one of them as the cadre too;
  - visit logging under load: gunicorn on 127.0.0.1 (a free port, DEBUG off), ``wrk`` with
    ``--connections`` clients posting the visit form for ``--seconds`` s, then the same
    clients against ``/healthz``; requests/s, p50/p95, errors; then every acknowledged visit
    is checked to be stored exactly once (each request's client_id comes back in the redirect,
    and one request in ten re-sends the previous one's client_id, as a double-tapped phone
    would); then, as reference points, a logged-in form post that does nothing and one that
    writes one row (``benchmarks/load/urls.py``; the server runs with their settings module).

Loopback only; the load phase is bounded by ``--seconds`` (four times). ``--no-load`` skips
it, ``--no-pages`` runs it alone. ``--rows TEXT`` runs only the page rows whose label contains
TEXT (e.g. ``--rows "project list"``); ``--read-only`` commits nothing, for a database you may
not change: the benchmark users, their sessions and the worker's role live in a transaction
rolled back at the end. Neither runs the load test.
"""

import argparse
import contextlib
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta
from decimal import Decimal
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
# Production-like settings: no query log, no debug toolbar; plain HTTP on loopback.
SERVER_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "scale-benchmark-only",
    "ALLOWED_HOSTS": "127.0.0.1,testserver",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "SECURE_PROXY_SSL_HEADER": "0",
    "SECURE_HSTS_SECONDS": "0",
    "LOG_LEVEL": "WARNING",
    # The manifest storage of DEBUG off needs collected files (collectstatic below).
    "STATIC_ROOT": str(Path(tempfile.gettempdir()) / "landreform-bench-static"),
}
for _key, _value in SERVER_ENV.items():
    os.environ.setdefault(_key, _value)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "landreform.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from fieldwork_pages import time_get  # noqa: E402

from cases import dashboards, roles  # noqa: E402
from cases.models import Case, Household, Project, StaffProfile, Visit, Vote  # noqa: E402
from cases.models.casework import MIN_VISITS_FOR_OPPOSED, UNDECIDED_STALE_DAYS  # noqa: E402

PASSWORD = "bench-scale-password"
LARGEST = "合成项目001"


def _user(username: str, role: str, village=None):
    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": True, "last_name": username}
    )
    user.set_password(PASSWORD)
    user.is_staff = True
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    profile, _ = StaffProfile.objects.get_or_create(user=user)
    if village is not None:
        profile.villages.set([village])
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


# --- the dashboard's floor: the same figures by hand-written SQL ---------------------------

FIGURES_SQL = """
SELECT co.id, co.name, vi.name,
  count(*),
  count(*) FILTER (WHERE c.visit_count > 0),
  count(*) FILTER (WHERE c.status IN ('signed', 'completed')),
  coalesce(sum(c.affected_mu) FILTER (WHERE c.status IN ('signed', 'completed')), 0),
  count(*) FILTER (WHERE c.status NOT IN ('signed', 'completed')),
  count(*) FILTER (WHERE c.status NOT IN ('signed', 'completed')
                   AND c.next_follow_up_on < %(today)s),
  count(*) FILTER (WHERE c.status = 'opposed' AND c.visit_count < %(min_visits)s),
  count(*) FILTER (WHERE c.status = 'undecided'
                   AND (c.last_visit_on < %(stale)s OR c.last_visit_on IS NULL)),
  count(*) FILTER (WHERE c.stance = 'unknown'),
  count(*) FILTER (WHERE c.stance = 'supportive'),
  count(*) FILTER (WHERE c.stance = 'undecided'),
  count(*) FILTER (WHERE c.stance = 'opposed'),
  count(*) FILTER (WHERE c.status = 'not_contacted'),
  count(*) FILTER (WHERE c.status = 'visited'),
  count(*) FILTER (WHERE c.status = 'undecided'),
  count(*) FILTER (WHERE c.status = 'supportive'),
  count(*) FILTER (WHERE c.status = 'opposed'),
  count(*) FILTER (WHERE c.status = 'signed'),
  count(*) FILTER (WHERE c.status = 'completed')
FROM cases_case c
JOIN cases_household h ON h.id = c.household_id
JOIN cases_cooperative co ON co.id = h.cooperative_id
JOIN cases_village vi ON vi.id = co.village_id
WHERE c.project_id = %(project)s
GROUP BY co.id, co.name, vi.name
ORDER BY vi.name, co.name
"""
VISITS_SQL = """
SELECT b.name,
  CASE WHEN v.visited_on BETWEEN %(first_monday)s AND %(today)s
       THEN date_trunc('week', v.visited_on)::date END,
  count(*)
FROM cases_visit v LEFT JOIN cases_partybranch b ON b.id = v.branch_id
WHERE v.project_id = %(project)s GROUP BY 1, 2
"""
ATTENTION_SQL = """
SELECT c.id FROM cases_case c JOIN cases_household h ON h.id = c.household_id
WHERE c.project_id = %(project)s AND {condition}
ORDER BY c.next_follow_up_on, c.last_visit_on, h.number, c.id LIMIT 10
"""
ATTENTION = {
    "under_visited_opposed": "c.status = 'opposed' AND c.visit_count < %(min_visits)s",
    "overdue": "c.status NOT IN ('signed', 'completed') AND c.next_follow_up_on < %(today)s",
    "stale_undecided": "c.status = 'undecided' "
    "AND (c.last_visit_on < %(stale)s OR c.last_visit_on IS NULL)",
}
VOTES_SQL = """
SELECT vo.id,
  (SELECT count(*) FROM cases_voter r WHERE r.vote_id = vo.id),
  (SELECT count(*) FROM cases_ballot b WHERE b.vote_id = vo.id),
  (SELECT count(*) FROM cases_ballot b WHERE b.vote_id = vo.id AND b.choice = 'for')
FROM cases_vote vo WHERE vo.project_id = %(project)s ORDER BY vo.opens_on DESC, vo.id
"""
FIGURE_NAMES = [
    "households",
    "visited",
    "signed",
    "signed_mu",
    "open_cases",
    "overdue",
    "under_visited_opposed",
    "stale_undecided",
]


def floor(project: Project, today) -> dict:
    """The dashboard's figures by hand (township-wide user), through one cursor."""
    params = {
        "project": project.pk,
        "today": today,
        "stale": today - timedelta(days=UNDECIDED_STALE_DAYS),
        "min_visits": MIN_VISITS_FOR_OPPOSED,
        "first_monday": dashboards.week_starts(today)[0],
    }
    with connection.cursor() as cursor:
        cursor.execute(FIGURES_SQL, params)
        coops = cursor.fetchall()
        cursor.execute(VISITS_SQL, params)
        visits = cursor.fetchall()
        attention = {}
        for key, condition in ATTENTION.items():
            cursor.execute(ATTENTION_SQL.format(condition=condition), params)
            attention[key] = [row[0] for row in cursor.fetchall()]
        cursor.execute(VOTES_SQL, params)
        votes = cursor.fetchall()
    total = [sum(row[i] for row in coops) for i in range(3, 22)]
    return {
        "coops": coops,
        "total": total,
        "visits": visits,
        "attention": attention,
        "votes": votes,
        "first_monday": params["first_monday"],
    }


def check_floor_equals_dashboard(found: dict, d: dashboards.Dashboard) -> None:
    """The hand-written figures are the dashboard's figures (or the benchmark is void)."""

    def as_list(f: dashboards.Figures) -> list:
        return (
            [getattr(f, name) for name in FIGURE_NAMES]
            + [f.stances[s] for s in ["unknown", "supportive", "undecided", "opposed"]]
            + [f.statuses[s] for s in [c for c, _ in Case.Status.choices]]
        )

    mu = Decimal("0.01")
    total = found["total"]
    total[3] = Decimal(total[3]).quantize(mu)
    assert as_list(d.figures) == total, (as_list(d.figures), total)
    assert len(d.cooperatives) == len(found["coops"])
    for row, c in zip(d.cooperatives, found["coops"], strict=True):
        expected = list(c[3:])
        expected[3] = Decimal(expected[3]).quantize(mu)
        assert (row.name, row.village, as_list(row.figures)) == (c[1], c[2], expected)
    weeks, branches = [0] * dashboards.WEEKS, {}
    for name, monday, n in found["visits"]:
        if monday is not None:
            weeks[(monday - found["first_monday"]).days // 7] += n
        if name:
            branches[name] = branches.get(name, 0) + n
    assert [n for _m, n in d.weeks] == weeks
    assert sorted((name, n) for name, n in d.branches if name in branches) == sorted(
        branches.items()
    )
    for part in d.attention:
        assert [c.pk for c in part.cases] == found["attention"][part.key], part.key
    assert [(v.pk, t.eligible, t.present, t.votes_for) for v, t in d.votes] == [
        tuple(r) for r in found["votes"]
    ]


def median_ms(fn, runs: int) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000


# --- load: gunicorn + wrk ------------------------------------------------------------------

#: Every script's last part: the run's figures as one JSON line on stderr (read by run_wrk).
WRK_DONE = r"""
function done(summary, latency, requests)
  io.stderr:write(string.format(
    'WRK {"requests": %d, "seconds": %f, "non2xx3xx": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "timeout": %d, "status": %d, "p50": %f, "p95": %f}\n',
    summary.requests, summary.duration / 1e6, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout, summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""

WRK_POST = (
    r"""
-- Posts the visit form; every request carries a new client_id (thread, counter), except one
-- in ten that re-sends the previous one (a double tap). The redirect target carries the
-- client_id back, and each acknowledged one is appended to a file per thread.
local threads = {}
local next_id = 1
function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end
function init(args)
  counter = 0
  last = nil
  acked = io.open(os.getenv("BENCH_ACK") .. "." .. tid, "w")
  cases = {}
  for c in string.gmatch(os.getenv("BENCH_CASES"), "%d+") do table.insert(cases, c) end
  token = os.getenv("BENCH_CSRF")
  prefix = os.getenv("BENCH_PREFIX")
  today = os.getenv("BENCH_TODAY")
  visitor = os.getenv("BENCH_VISITOR")
  wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
function request()
  counter = counter + 1
  local cid
  if last ~= nil and counter % 10 == 0 then
    cid = last
  else
    cid = string.format("%s-%04x-4000-8000-%012x", prefix, tid, counter)
  end
  last = cid
  local case = cases[(tid * 7919 + counter) % #cases + 1]
  -- As the form posts it: the recorder's own box ticked under "visitors".
  local body = "csrfmiddlewaretoken=" .. token .. "&visited_on=" .. today ..
    "&visitors=" .. visitor ..
    "&stance=opposed&place=home&notes=benchmark&client_id=" .. cid ..
    "&next=/healthz%3Fcid%3D" .. cid
  return wrk.format("POST", "/cases/" .. case .. "/visits/new/", nil, body)
end
function response(status, headers, body)
  local location = headers["Location"] or headers["location"] or ""
  local cid = string.match(location, "cid=([%x%-]+)")
  if status == 302 and cid then acked:write(cid, "\n"); acked:flush() end
end
"""
    + WRK_DONE
)
WRK_REFERENCE = (
    r"""
-- A logged-in form post to the reference views (benchmarks/load/urls.py): CSRF token and a
-- new client_id per request, nothing else.
local counter = 0
function init(args)
  token = os.getenv("BENCH_CSRF")
  wrk.method = "POST"
  wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, "csrfmiddlewaretoken=" .. token .. "&client_id=" .. counter)
end
"""
    + WRK_DONE
)
#: /healthz: plain GETs, the figures only.
WRK_GET = WRK_DONE


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def log_in(base: str, username: str) -> tuple[str, str]:
    """A real log-in through the server: the session cookie and the CSRF token."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(base + reverse("login")).read()
    token = next(c.value for c in jar if c.name == "csrftoken")
    data = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    opener.open(urllib.request.Request(base + reverse("login"), data=data)).read()
    cookies = {c.name: c.value for c in jar}
    assert "sessionid" in cookies, "log-in failed"
    return "; ".join(f"{k}={v}" for k, v in cookies.items()), cookies["csrftoken"]


_TICK = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> tuple[str, int, float, float]:
    """(command, parent pid, own CPU s, reaped children's CPU s) of a process, from /proc."""
    text = Path(f"/proc/{pid}/stat").read_text()
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()  # fields from the 3rd (state) on
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return name, int(fields[1]), (utime + stime) / _TICK, (cutime + cstime) / _TICK


def cpu_snapshot(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the gunicorn server (master, workers and workers that
    exited), by PostgreSQL (every postgres process and the backends that exited) and by the
    whole machine (/proc/stat, every core, idle and iowait excluded)."""
    procs = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                procs[int(entry.name)] = _proc_stat(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, ValueError):
                continue  # exited meanwhile
    gunicorn = postgres = 0.0
    for pid, (name, parent, own, reaped) in procs.items():
        if pid == server_pid:
            gunicorn += own + reaped
        elif parent == server_pid:
            gunicorn += own
        elif name == "postgres":
            parent_is_postgres = procs.get(parent, ("",))[0] == "postgres"
            postgres += own + (0 if parent_is_postgres else reaped)  # the postmaster reaps
    cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    busy = sum(int(x) for i, x in enumerate(cpu[:8]) if i not in (3, 4))  # not idle, iowait
    return {"gunicorn": gunicorn, "postgres": postgres, "machine": busy / _TICK}


def run_wrk(
    script: str, url: str, seconds: int, connections: int, env: dict, server_pid: int
) -> dict:
    """One wrk phase; its figures, and the CPU per request of the server, PostgreSQL, wrk
    and the whole machine over the phase (ms)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    command = [
        "wrk",
        "-t",
        "2",
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        f.name,
        url,
    ]
    before, children = cpu_snapshot(server_pid), resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=seconds + 60,
        check=True,
    )
    after, waited = cpu_snapshot(server_pid), resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(x for x in result.stderr.splitlines() if x.startswith("WRK "))
    figures = json.loads(line[4:])
    figures["errors"] = sum(
        figures[k] for k in ("non2xx3xx", "connect", "read", "write", "timeout")
    )
    figures["rps"] = figures["requests"] / figures["seconds"]
    figures["command"] = " ".join(command)
    wrk = waited.ru_utime + waited.ru_stime - children.ru_utime - children.ru_stime
    cpu = {k: after[k] - before[k] for k in after} | {"wrk": wrk}
    figures["cpu_ms"] = {k: 1000 * v / max(figures["requests"], 1) for k, v in cpu.items()}
    return figures


def cpu_row(name: str, f: dict) -> tuple:
    c = f["cpu_ms"]
    return (
        f"load: CPU per request, {name}",
        f"{c['machine']:.2f} ms in all",
        f"gunicorn {c['gunicorn']:.2f} ms",
        f"postgres {c['postgres']:.2f} ms",
        f"wrk {c['wrk']:.2f} ms",
        "/proc over the phase; the rest of 'in all' is the kernel's network and other processes",
    )


def load_test(args, project: Project, user) -> list[tuple]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = [
        str(ROOT / ".venv/bin/gunicorn"),
        "landreform.wsgi",
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        str(args.workers),
        "--access-logfile",
        "/dev/null",
    ]
    from benchmarks.load.urls import TABLE
    from benchmarks.load.visits import remove_load_visits

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, client_id text)"
        )
    server = subprocess.Popen(
        gunicorn,
        cwd=ROOT,
        env={**os.environ, **SERVER_ENV, "DJANGO_SETTINGS_MODULE": "benchmarks.load.settings"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    rows = []
    try:
        wait_for(base + "/healthz")
        cookie, token = log_in(base, user.username)
        cases = list(
            Case.objects.filter(project=project).order_by("pk").values_list("pk", flat=True)[:500]
        )
        prefix = uuid.uuid4().hex[:8]
        ack = tempfile.mkdtemp() + "/ack"
        env = {
            "BENCH_CASES": ",".join(map(str, cases)),
            "BENCH_CSRF": token,
            "BENCH_COOKIE": cookie,
            "BENCH_PREFIX": prefix,
            "BENCH_ACK": ack,
            "BENCH_TODAY": timezone.localdate().isoformat(),
            "BENCH_VISITOR": str(user.pk),
        }
        before = Visit.objects.count()
        as_seeded = list(Case.objects.filter(pk__in=cases))  # put back after the run
        started = timezone.now()
        pid = server.pid
        post = run_wrk(WRK_POST, base + "/", args.seconds, args.connections, env, pid)
        time.sleep(1)  # requests cut off by wrk's stop finish in the server
        healthz = run_wrk(WRK_GET, base + "/healthz", args.seconds, args.connections, {}, pid)
        references = [
            (name, run_wrk(WRK_REFERENCE, base + url, args.seconds, args.connections, env, pid))
            for name, url in [
                ("POST no-op (log-in + CSRF)", "/bench/noop/"),
                ("POST + one-row INSERT", "/bench/insert/"),
            ]
        ]
    finally:
        server.terminate()
        server.wait(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {TABLE}")
            inserted = cursor.fetchone()[0]
            cursor.execute(f"DROP TABLE {TABLE}")
    acked = []
    for path in Path(ack).parent.glob("ack.*"):
        acked += path.read_text().split()
    distinct = set(acked)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_id::text, count(*) FROM cases_visit WHERE client_id::text LIKE %s "
            "GROUP BY client_id",
            [prefix + "%"],
        )
        stored = dict(cursor.fetchall())
        cursor.execute(
            "SELECT count(*) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'cases_visit'::regclass "
            "AND i.indisunique AND a.attname = 'client_id' AND i.indnatts = 1"
        )
        unique_index = cursor.fetchone()[0]
    lost = len(distinct - stored.keys())
    duplicated = sum(1 for n in stored.values() if n > 1)
    unacked = len(stored.keys() - distinct)  # cut off by wrk's stop, stored once all the same
    resent = len(acked) - len(distinct)
    assert unique_index == 1, "the unique index on cases_visit.client_id is missing"
    assert lost == 0 and duplicated == 0, (lost, duplicated)
    assert Visit.objects.count() - before == len(stored)
    removed = remove_load_visits(prefix, as_seeded, started)
    assert removed == len(stored) and Visit.objects.count() == before, (removed, before)
    ratio = post["rps"] / healthz["rps"]
    for name, f in (("POST visit form", post), ("GET /healthz", healthz)):
        rows.append(
            (
                f"load: {name}",
                f"{f['rps']:.0f} req/s",
                f"p50 {f['p50']:.1f} ms",
                f"p95 {f['p95']:.1f} ms",
                f"errors {f['errors']}",
                f["command"],
            )
        )
    rows.append(("load: visit rps / healthz rps", f"{ratio:.2f}", "target ≥ 0.5", "", "", ""))
    for name, f in references:
        rows.append(
            (
                f"load: {name}",
                f"{f['rps']:.0f} req/s",
                f"p50 {f['p50']:.1f} ms",
                f"errors {f['errors']}",
                f"{f['rps'] / healthz['rps']:.2f} of healthz",
                f["command"],
            )
        )
    rows.append(("load: one-row INSERTs stored", f"{inserted}", "", "", "", ""))
    for name, f in [("visit", post), ("healthz", healthz), *references]:
        rows.append(cpu_row(name, f))
    machine = post["cpu_ms"]["machine"] / healthz["cpu_ms"]["machine"]
    rows.append(
        (
            "load: machine CPU per visit / per healthz",
            f"{machine:.2f}",
            f"its inverse {1 / machine:.2f}",
            "",
            "",
            "both phases CPU-bound on the cores: the req/s ratio follows the inverse",
        )
    )
    rows.append(
        (
            "load: visits acknowledged",
            f"{len(distinct)} distinct",
            f"{resent} re-sent",
            f"stored {len(stored)}",
            f"lost {lost}, duplicated {duplicated}",
            f"{unacked} stored but cut off before the reply; unique index on client_id",
        )
    )
    rows.append(("load: server", f"gunicorn -w {args.workers}", "DEBUG=0", "", "", ""))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--no-load", action="store_true", help="skip the load test")
    parser.add_argument("--no-pages", action="store_true", help="only the load test")
    parser.add_argument(
        "--rows",
        action="append",
        metavar="TEXT",
        help="only the page rows whose label contains TEXT (repeatable); no load test",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="commit nothing (a database you may not change): the benchmark users, their "
        "sessions and the worker's role are made in a transaction rolled back at the end, "
        "under names of this run; no load test",
    )
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "run on PostgreSQL (DATABASE_URL=postgres://…)"
    assert not (args.no_pages and (args.rows or args.read_only)), "--no-pages runs no page"
    call_command("collectstatic", interactive=False, verbosity=0)

    project = Project.objects.get(name__startswith=LARGEST)
    households, visits = Household.objects.count(), Visit.objects.count()
    print(
        f"{households:,} households, {visits:,} visits; {project.name}: "
        f"{project.cases.count():,} cases; median of {args.runs} requests "
        f"(the first request of each page is counted too)\n"
    )
    if args.no_pages:
        staff = _user("bench_staff", roles.TOWNSHIP_STAFF)
        _print(load_test(args, project, staff))
        return
    with transaction.atomic() if args.read_only else contextlib.nullcontext():
        rows, staff = page_rows(args, project)
        if args.read_only:
            transaction.set_rollback(True)
    if not (args.no_load or args.rows or args.read_only):
        rows += load_test(args, project, staff)
    _print(rows)


def page_rows(args, project: Project) -> tuple[list[tuple], object]:
    """The pages' rows (those ``--rows`` selects), and the benchmark's township staff user."""
    suffix = f"_{uuid.uuid4().hex[:8]}" if args.read_only else ""
    village = project.villages.order_by("name").first()
    staff = _user(f"bench_staff{suffix}", roles.TOWNSHIP_STAFF)
    cadre = _user(f"bench_cadre{suffix}", roles.VILLAGE_CADRE, village)
    today = timezone.localdate()
    case = Case.objects.filter(project=project, visit_count__gte=5).order_by("pk").first()
    name = case.household.head_name
    vote = Vote.objects.filter(project=project).order_by("pk").first()
    coop = case.household.cooperative
    visit_day = Visit.objects.filter(case=case).order_by("-visited_on").first().visited_on
    after, before = visit_day - timedelta(days=30), visit_day

    def wanted(label: str) -> bool:
        return not args.rows or any(text in label for text in args.rows)

    rows = []
    client = Client()
    client.force_login(staff)
    dash_url = reverse("project_dashboard", args=[project.pk])
    if wanted("dashboard (staff)"):
        page_ms, page_queries = time_get(client, dash_url, args.runs)
        floor_ms = median_ms(lambda: floor(project, today), args.runs)
        check_floor_equals_dashboard(
            floor(project, today), dashboards.project_dashboard(project, staff, today)
        )
        rows.append(
            (
                "dashboard (staff)",
                f"{page_ms:.0f} ms",
                f"{page_queries} queries",
                f"floor {floor_ms:.0f} ms",
                f"ratio {page_ms / floor_ms:.2f}",
                dash_url,
            )
        )
        rows.append(("dashboard figures = hand-written SQL figures", "yes", "", "", "", ""))

    cl, vl, pl = reverse("case_list"), reverse("visit_list"), reverse("project_list")
    q = urllib.parse.quote(name)
    pages = [
        ("case list: project + status", f"{cl}?project={project.pk}&status=opposed"),
        ("case list: search", f"{cl}?q={q}"),
        ("case list: project + search", f"{cl}?project={project.pk}&q={q}"),
        ("household page", reverse("household_detail", args=[case.household_id])),
        ("visit list: project", f"{vl}?project={project.pk}"),
        (
            "visit list: project + dates",
            f"{vl}?project={project.pk}&visited_on_after={after}&visited_on_before={before}",
        ),
        ("vote tally page", reverse("vote_detail", args=[vote.pk])),
        ("vote list", reverse("vote_list")),
        ("vote list: project + open", f"{reverse('vote_list')}?project={project.pk}&status=open"),
        ("home", reverse("home")),
        ("project list", pl),
        (
            "project list: name search + needs attention",
            f"{pl}?q={urllib.parse.quote('合成项目00')}&attention=true",
        ),
        ("project list: by signed %", f"{pl}?ordering=-signed"),
    ]
    for model in ("household", "visit", "case", "member"):
        url = reverse(f"admin:cases_{model}_changelist")
        pages.append((f"admin {model}: no filter", url))
        pages.append((f"admin {model}: search", f"{url}?q={q}"))
    pages += [
        (
            "admin household: village filter",
            f"{reverse('admin:cases_household_changelist')}?cooperative__village__id__exact="
            f"{coop.village_id}",
        ),
        (
            "admin visit: project filter",
            f"{reverse('admin:cases_visit_changelist')}?project__id__exact={project.pk}",
        ),
        (
            "admin case: project + status filter",
            f"{reverse('admin:cases_case_changelist')}?project__id__exact={project.pk}"
            "&status__exact=opposed",
        ),
        (
            "admin member: relation filter",
            f"{reverse('admin:cases_member_changelist')}?relation__exact=head",
        ),
    ]
    for label, url in pages:
        if wanted(label):
            ms, n = time_get(client, url, args.runs)
            rows.append((label, f"{ms:.0f} ms", f"{n} queries", "", "", url))
    # The rows above keep the projects' figures for a minute (PROJECT_FIGURES_SECONDS): after
    # the first request they are read from the cache. Counted on every request instead:
    for label, url in [
        ("home: figures counted, not kept", reverse("home")),
        ("project list: figures counted, not kept", pl),
    ]:
        if wanted(label):
            ms, n = time_get(client, url, args.runs, before=cache.clear)
            rows.append((label, f"{ms:.0f} ms", f"{n} queries", "", "", url))
    label = "project list: its figures query alone"
    if wanted(label):
        # The one query the list cannot do without: every project's figures (figures_by).
        ids = list(Project.objects.values_list("pk", flat=True))
        cases = Case.objects.visible_to(staff).filter(project_id__in=ids)
        ms = median_ms(lambda: dashboards.figures_by(cases, "project_id", today), args.runs)
        rows.append((label, f"{ms:.0f} ms", "1 query", "", "", "dashboards.figures_by"))

    cadre_client = Client()
    cadre_client.force_login(cadre)
    for label, url in [
        ("cadre: dashboard", dash_url),
        ("cadre: case list: project + status", f"{cl}?project={project.pk}&status=opposed"),
        ("cadre: visit list: project", f"{vl}?project={project.pk}"),
        ("cadre: project list", pl),
    ]:
        label = f"{label} ({village.name})"
        if wanted(label):
            ms, n = time_get(cadre_client, url, args.runs)
            rows.append((label, f"{ms:.0f} ms", f"{n} queries", "", "", url))
    rows += cadre_list_rows(args, project, wanted, suffix)

    # A field worker of that village with a seeded visitor's few thousand visits: their home
    # page ("my follow-ups") and the lists it links to. Seeded workers have no role; this one
    # is made a village cadre (their staff profile already names their village).
    worker_pages = [
        ("home", reverse("home")),
        ("my follow-ups: due soon", f"{cl}?mine=true&due=soon&ordering=follow_up"),
        ("every household I visited", f"{cl}?mine=true&ordering=follow_up"),
    ]
    worker_pages = [(f"worker: {label}", url) for label, url in worker_pages]
    if any(wanted(label) for label, _url in worker_pages):
        worker = case.visits.order_by("pk").first().visitors.order_by("pk").first()
        worker.groups.set([Group.objects.get(name=roles.VILLAGE_CADRE)])
        worker_client = Client()
        worker_client.force_login(worker)
        worker_visits = Visit.visitors.through.objects.filter(user=worker).count()
        for label, url in worker_pages:
            if wanted(label):
                ms, n = time_get(worker_client, url, args.runs)
                label = label.replace("worker:", f"worker, {worker_visits:,} visits:")
                rows.append((label, f"{ms:.0f} ms", f"{n} queries", "", "", url))
    return rows, staff


def cadre_list_rows(args, project, wanted, suffix: str) -> list[tuple]:
    """A cadre's lists with each filter they offer, as the cadre of the project's first
    village and of its last: the time should not depend on where the village falls in the
    project, nor on how many villages the project spans (docs/PERFORMANCE.md, seventh
    session). Labels start with "cadre list"."""
    rows = []
    cl, vl = reverse("case_list"), reverse("visit_list")
    villages = project.villages.order_by("name")
    for village in (villages.first(), villages.last()):
        cadre = _user(f"bench_cadre_{village.pk}{suffix}", roles.VILLAGE_CADRE, village)
        client = Client()
        client.force_login(cadre)
        visit = (
            Visit.objects.filter(case__household__cooperative__village=village, project=project)
            .order_by("-visited_on", "-pk")
            .first()
        )
        if visit is None:
            continue
        household = visit.case.household
        visitor = visit.visitors.order_by("pk").first()
        day = visit.visited_on
        after = day - timedelta(days=30)
        p = f"project={project.pk}"
        pages = [
            ("visit list", vl),
            ("visit list: project", f"{vl}?{p}"),
            (
                "visit list: project + dates",
                f"{vl}?{p}&visited_on_after={after}&visited_on_before={day}",
            ),
            ("visit list: project + stance", f"{vl}?{p}&stance=opposed"),
            ("visit list: project + visitor", f"{vl}?{p}&visitor={visitor.pk}"),
            ("visit list: project + branch", f"{vl}?{p}&branch={visit.branch_id}"),
            (
                "visit list: project + search",
                f"{vl}?{p}&q={urllib.parse.quote(household.head_name)}",
            ),
            ("visit list: project, by household number", f"{vl}?{p}&ordering=number"),
            ("case list", cl),
            ("case list: project", f"{cl}?{p}"),
        ]
        for label, url in pages:
            label = f"cadre list ({village.name}): {label}"
            if wanted(label):
                ms, n = time_get(client, url, args.runs)
                rows.append((label, f"{ms:.0f} ms", f"{n} queries", "", "", url))
    return rows


def _print(rows) -> None:
    print(f"$ {' '.join(sys.argv)}")
    widths = [max(len(str(r[i])) for r in rows) for i in range(5)]
    for r in rows:
        print("  ".join(str(r[i]).ljust(widths[i]) for i in range(5)) + "  " + r[5])


if __name__ == "__main__":
    main()
