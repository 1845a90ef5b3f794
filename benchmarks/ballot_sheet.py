"""Server time of the 500-voter ballot sheet (GET, and a POST saving 250 rows) and the tally.

    DATABASE_URL=sqlite:////tmp/bench-votes.sqlite3 .venv/bin/python benchmarks/ballot_sheet.py

Runs on a scratch database (migrated here), through Django's test client: the time is the
server's (view, queries, template), without network or browser. Prints milliseconds.
"""

import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/bench-votes.sqlite3")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

VOTERS = int(os.environ.get("VOTERS", "500"))


def timed(call, repeat=5):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code in (200, 302), response.status_code
    return statistics.median(times), min(times)


def main():
    setup_test_environment()
    call_command("flush", "--noinput", verbosity=0)
    call_command("migrate", verbosity=0)
    from cases import roles, services
    from cases.models import Ballot, Vote, Voter
    from tests.factories import (
        CooperativeFactory,
        StaffProfileFactory,
        UserFactory,
        VillageFactory,
        households_with_heads,
    )

    roles.ensure_roles()
    village = VillageFactory(name="烟南村")
    coop = CooperativeFactory(village=village, name="东头经济社")
    staff = UserFactory(username="bench_staff", role=roles.TOWNSHIP_STAFF)
    cadre = UserFactory(username="bench_cadre", role=roles.VILLAGE_CADRE)
    StaffProfileFactory(user=cadre, villages=[village])
    households_with_heads(coop, VOTERS)
    vote = services.vote_create(
        subject="基准",
        village=village,
        cooperative=coop,
        rule_code=Vote.Rule.GROUP_MEETING,
        basis=Vote.Basis.HOUSEHOLD,
        opens_on=date(2021, 1, 16),
        closes_on=date(2021, 1, 22),
        user=staff,
    )
    services.vote_open(vote=vote, user=staff)
    client = Client()
    client.force_login(cadre)
    sheet = reverse("ballot_sheet", args=[vote.pk])
    tally = reverse("vote_detail", args=[vote.pk])

    median, best = timed(lambda: client.get(sheet))
    print(
        f"GET ballot sheet, {VOTERS} voters, none recorded: "
        f"median {median:.0f} ms, best {best:.0f} ms"
    )
    voters = list(Voter.objects.filter(vote=vote).order_by("pk").values_list("pk", flat=True))
    half = voters[: VOTERS // 2]
    data = {"cast_on": "2021-01-16", **{f"choice-{pk}": "for" for pk in half}}
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        response = client.post(sheet, data)
        post_ms = (time.perf_counter() - start) * 1000
    assert response.status_code == 302 and Ballot.objects.count() == len(half)
    print(f"POST saving {len(half)} ballots: {post_ms:.0f} ms, {len(ctx.captured_queries)} queries")
    median, best = timed(lambda: client.get(sheet))
    print(f"GET ballot sheet, {len(half)} recorded: median {median:.0f} ms, best {best:.0f} ms")
    median, best = timed(lambda: client.get(tally))
    print(f"GET tally page: median {median:.0f} ms, best {best:.0f} ms")


if __name__ == "__main__":
    main()
