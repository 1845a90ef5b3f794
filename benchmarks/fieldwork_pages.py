"""Time the field pages on the demo data and print the numbers (no targets asserted here).

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python manage.py migrate -v0
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python manage.py load_demo
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python benchmarks/fieldwork_pages.py

Each page is fetched through Django's test client as ``staff`` and ``cadre`` (烟南村); the
median of ``--runs`` fetches and the number of queries are printed.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "landreform.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from cases.models import Case, Project  # noqa: E402


def time_get(client, url: str, runs: int, before=None) -> tuple[float, int]:
    """GET ``url`` ``runs`` times; the median in ms and the queries of the last fetch.
    ``before``, if given, is called before each request, untimed.

    Shared with ``scale_benchmark.py``."""
    timings = []
    for _ in range(runs):
        if before:
            before()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings) * 1000, len(queries.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    project = Project.objects.get(name="临港国际产业社区（烟南片区）土地征收")
    case = Case.objects.filter(project=project, status="opposed").select_related("household")[0]
    pages = {
        "home": reverse("home"),
        "dashboard": reverse("project_dashboard", args=[project.pk]),
        "case list": reverse("case_list") + f"?project={project.pk}",
        "case list, search": reverse("case_list") + "?q=陈",
        "visit list": reverse("visit_list"),
        "household": reverse("household_detail", args=[case.household_id]),
        "visit form": reverse("visit_new", args=[case.pk]),
    }
    print(f"{Case.objects.count()} cases; median of {args.runs} fetches")
    for username in ["staff", "cadre"]:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(get_user_model().objects.get(username=username))
        for name, url in pages.items():
            median, count = time_get(client, url, args.runs)
            print(f"{username:6} {name:18} {median:7.1f} ms  {count:3} queries")


if __name__ == "__main__":
    main()
