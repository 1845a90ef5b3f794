"""The home page's project figures read two ways, timed side by side on the same database.

    DATABASE_URL=postgres://root@127.0.0.1:5432/landreform_scale_1m .venv/bin/python \\
        benchmarks/home_figures.py [--runs 5]

(a) twenty filtered aggregates per case, grouped by project (``_case_aggregates``, what the
dashboard uses per cooperative); (b) one count per group of project, status, stance and the
four conditions, added up in Python (``figures_by``, what the home page uses). Both over every
case of every project, as a township-wide user's home page reads them; the script checks that
both give the same figures, then prints the median of ``--runs`` of each, alternating.
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

from django.utils import timezone  # noqa: E402

from cases import dashboards  # noqa: E402
from cases.models import Case, Project  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    today = timezone.localdate()
    cases = Case.objects.filter(project_id__in=list(Project.objects.values_list("pk", flat=True)))

    def aggregates():
        rows = cases.values("project_id").annotate(**dashboards._case_aggregates(today))
        return {r["project_id"]: dashboards.Figures.from_row(r) for r in rows.order_by()}

    def groups():
        return dashboards.figures_by(cases, "project_id", today)

    assert aggregates() == groups(), "the two ways disagree"
    times = {"(a) filtered aggregates": [], "(b) counts of groups": []}
    for _run in range(options.runs):
        for spent, read in zip(times.values(), (aggregates, groups), strict=True):
            start = time.perf_counter()
            read()
            spent.append(time.perf_counter() - start)
    print(f"{cases.count():,} cases in {Project.objects.count()} projects; same figures: yes")
    for name, spent in times.items():
        runs = " ".join(f"{1000 * t:.0f}" for t in spent)
        print(f"{name:<26} median {1000 * statistics.median(spent):6.0f} ms   ({runs})")


if __name__ == "__main__":
    main()
