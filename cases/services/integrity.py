"""What the app keeps beside what it is computed from, checked and, when asked, recomputed.

A case keeps figures of its visits (``CASE_FIGURES``: count, last visit, the latest visit's
stance and follow-up, and the status that follows the stance until signing), and every visit
keeps copies of its case's project and village (``Visit.project``, ``Visit.village``), so
that lists, dashboards and every user's scope read no per-row query. Every write of the app
keeps them (``case_refresh_visits``, ``cases.visit_writes``, ``visits_follow_cases``), but a
row changed outside the app (a hand-written SQL repair, a restore of part of a backup, a
bulk load) leaves them behind silently: a case shown as "opposed, 2 visits" that has three,
or a visit outside the cadre's village list that should be in it.

``figures_check`` reads every case of a queryset and its visits in chunks (two queries per
chunk, whatever their number; memory bounded by the chunk) and returns what differs;
``figures_repair`` recomputes those cases under lock through ``case_refresh_visits`` (a
history row each, with the reason) and gives stale visits their case's project and village
again. ``manage.py check_figures`` runs both.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Case, Visit
from .casework import CASE_FIGURES, case_figures, case_refresh_visits, visits_follow_cases

#: Cases read per chunk: with their visits (about five each in a district), a few MB.
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class CaseDrift:
    """A case whose kept figures differ from its visits': ``figures`` maps each differing
    figure's name to (kept, computed); ``stale_visits`` counts its visits whose project or
    village is not the case's."""

    case_id: int
    figures: dict = field(default_factory=dict)
    stale_visits: int = 0


@dataclass
class FiguresReport:
    cases: int = 0
    visits: int = 0
    drifts: list[CaseDrift] = field(default_factory=list)

    @property
    def cases_with_figures(self) -> int:
        return sum(1 for d in self.drifts if d.figures)

    @property
    def stale_visits(self) -> int:
        return sum(d.stale_visits for d in self.drifts)


def figures_check(
    cases=None,
    *,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> FiguresReport:
    """Compare what every case of ``cases`` (a queryset; default: all) keeps with its visits.

    Two queries per chunk of ``chunk_size`` cases (the cases, read along the primary key
    from where the last chunk ended; their visits), plus one count for ``progress``, which
    is called with (cases read, cases in all). Nothing is locked: a visit stored while the
    check runs may show its case as differing, which ``figures_repair`` finds already right.
    """
    cases = (Case.objects.all() if cases is None else cases).order_by("pk")
    total = cases.count() if progress else 0
    report = FiguresReport()
    last_pk = 0
    while True:
        chunk = list(
            cases.filter(pk__gt=last_pk).values_list(
                "pk", "status", *CASE_FIGURES, "project_id", "household__cooperative__village_id"
            )[:chunk_size]
        )
        if not chunk:
            break
        last_pk = chunk[-1][0]
        visits = _visits_by_case([row[0] for row in chunk])
        for pk, status, *kept, project_id, village_id in chunk:
            drift = _case_drift(pk, status, kept, (project_id, village_id), visits.get(pk, []))
            if drift is not None:
                report.drifts.append(drift)
            report.visits += len(visits.get(pk, []))
        report.cases += len(chunk)
        if progress:
            progress(report.cases, max(total, report.cases))
    return report


def _visits_by_case(case_ids: list[int]) -> dict[int, list[tuple]]:
    rows = (
        Visit.objects.filter(case_id__in=case_ids)
        .order_by()
        .values_list(
            "case_id",
            "visited_on",
            "recorded_at",
            "pk",
            "stance",
            "next_follow_up_on",
            "project_id",
            "village_id",
        )
    )
    by_case: dict[int, list[tuple]] = {}
    for case_id, *visit in rows:
        by_case.setdefault(case_id, []).append(tuple(visit))
    return by_case


def _case_drift(pk, status, kept, place, visits) -> CaseDrift | None:
    """What ``case_refresh_visits`` would change on the case, and its visits out of place;
    ``visits`` are (visited_on, recorded_at, pk, stance, follow-up, project, village)."""
    # The latest visit: LATEST_VISIT_FIRST's order (date, recording time, id), largest first.
    latest = max(visits, key=lambda v: (v[0], v[1], v[2]), default=None)
    computed = case_figures(
        status=status,
        count=len(visits),
        last=max((v[0] for v in visits), default=None),
        latest=None if latest is None else {"stance": latest[3], "next_follow_up_on": latest[4]},
    )
    figures = {
        name: (old, computed[name])
        for name, old in zip(CASE_FIGURES, kept, strict=True)
        if old != computed[name]
    }
    stale = sum(1 for v in visits if (v[5], v[6]) != place)
    if not figures and not stale:
        return None
    return CaseDrift(case_id=pk, figures=figures, stale_visits=stale)


def figures_repair(drifts: Iterable[CaseDrift]) -> int:
    """Recompute the cases of ``drifts`` from their visits, each locked in its own
    transaction (``case_refresh_visits``: a history row naming the reason, only when a figure
    changes), and give their stale visits their case's project and village. Returns the
    number of cases whose figures were saved."""
    drifts = list(drifts)
    reason = _("Figures recomputed from its visits (check_figures --fix)")
    saved = 0
    for drift in drifts:
        if not drift.figures:
            continue
        with transaction.atomic():
            case = Case.objects.select_for_update().filter(pk=drift.case_id).first()
            if case is None:  # deleted since the check
                continue
            case._change_reason = reason
            saved += bool(case_refresh_visits(case=case))
    stale = [d.case_id for d in drifts if d.stale_visits]
    if stale:
        with transaction.atomic():
            visits_follow_cases(Case.objects.filter(pk__in=stale))
    return saved
