"""Aggregate reads behind the home page and the project dashboards (pure ORM reads).

Every function takes the user and reads through ``visible_to(user)``: a cadre's figures count
only the households of their villages, even in a project that spans several villages. Figures
come from conditional aggregation (``Count(..., filter=Q(...))``) or, on the home page, from
counts of groups (``figures_by``), so the number of queries does not grow with the data. The
export and benchmark work reuse these functions.
"""

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.models import (
    BooleanField,
    Case as DbCase,
    Count,
    ExpressionWrapper,
    Max,
    Prefetch,
    Q,
    Sum,
    When,
)
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import get_language, gettext as _, pgettext

from . import charts, procedures
from .models import Case, Project, Requirement, Stage, Stance, Village, Visit, Vote
from .models.casework import (
    CLOSED_STATUSES,
    DUE_SOON_DAYS,
    due_q,
    open_q,
    overdue_q,
    signed_q,
    stale_undecided_q,
    under_visited_opposed_q,
)
from .models.scoping import sees_all_villages
from .tallies import tallies_for
from .voting import format_percent

#: Weeks shown in the "visits per week" chart.
WEEKS = 26
#: Days counted as "visits in the last week" on the home page (today included).
RECENT_DAYS = 7
#: Cases listed under each part of "needs attention" (the count shows them all).
ATTENTION_LIMIT = 10
#: The status chart's width in SVG units, also its largest width in pixels (app.css): on a
#: phone it shrinks by at most a tenth, so that its words stay readable and each row, a link,
#: stays a finger's height (30 units).
CHART_ROWS_WIDTH = 360

MU = Decimal("0.01")


def _case_flags(today: date) -> dict:
    """The conditions behind the figures that are not a status or a stance, as booleans."""
    return {
        "is_visited": Q(visit_count__gt=0),
        "is_overdue": overdue_q(today),
        "is_under_visited_opposed": under_visited_opposed_q(),
        "is_stale_undecided": stale_undecided_q(today),
    }


def _case_aggregates(today: date) -> dict:
    """The figures of a set of cases, as aggregate expressions for one query."""
    signed = signed_q()
    flags = _case_flags(today)
    figures = {
        "households": Count("pk"),
        "visited": Count("pk", filter=flags["is_visited"]),
        "signed": Count("pk", filter=signed),
        "signed_mu": Sum("affected_mu", filter=signed, default=Decimal(0)),
        "open_cases": Count("pk", filter=open_q()),
        "overdue": Count("pk", filter=flags["is_overdue"]),
        "under_visited_opposed": Count("pk", filter=flags["is_under_visited_opposed"]),
        "stale_undecided": Count("pk", filter=flags["is_stale_undecided"]),
        "last_visit_on": Max("last_visit_on"),
    }
    for stance in Stance.values:
        figures[f"stance_{stance}"] = Count("pk", filter=Q(stance=stance))
    for status in Case.Status.values:
        figures[f"status_{status}"] = Count("pk", filter=Q(status=status))
    return figures


def _share(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


def _percent(part: int, whole: int) -> str:
    return format_percent(Fraction(part, whole), places=1) if whole else "—"


@dataclass
class Figures:
    """The figures of a project, a cooperative or the part of a project a user may see.

    Stance counts are the attitude last heard (kept after signing); "signed" counts signed and
    completed cases; the area signed is in 亩; ``last_visit_on`` is the latest visit heard.
    """

    households: int = 0
    visited: int = 0
    signed: int = 0
    signed_mu: Decimal = Decimal("0.00")
    open_cases: int = 0
    overdue: int = 0
    under_visited_opposed: int = 0
    stale_undecided: int = 0
    stances: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    last_visit_on: date | None = None

    @classmethod
    def from_row(cls, row: dict) -> "Figures":
        return cls(
            households=row["households"],
            visited=row["visited"],
            signed=row["signed"],
            # SQLite sums decimals as floats: back to 亩 with two places.
            signed_mu=Decimal(row["signed_mu"] or 0).quantize(MU),
            open_cases=row["open_cases"],
            overdue=row["overdue"],
            under_visited_opposed=row["under_visited_opposed"],
            stale_undecided=row["stale_undecided"],
            stances={s: row[f"stance_{s}"] for s in Stance.values},
            statuses={s: row[f"status_{s}"] for s in Case.Status.values},
            last_visit_on=row["last_visit_on"],
        )

    @classmethod
    def combined(cls, parts: list["Figures"]) -> "Figures":
        """The figures of the union of disjoint sets of cases (the cooperatives of a project)."""
        total = cls(
            signed_mu=sum((p.signed_mu for p in parts), Decimal("0.00")),
            stances=dict.fromkeys(Stance.values, 0),
            statuses=dict.fromkeys(Case.Status.values, 0),
        )
        for part in parts:
            for name in (
                "households",
                "visited",
                "signed",
                "open_cases",
                "overdue",
                "under_visited_opposed",
                "stale_undecided",
            ):
                setattr(total, name, getattr(total, name) + getattr(part, name))
            for key, n in part.stances.items():
                total.stances[key] += n
            for key, n in part.statuses.items():
                total.statuses[key] += n
        total.last_visit_on = max((p.last_visit_on for p in parts if p.last_visit_on), default=None)
        return total

    @property
    def supportive(self) -> int:
        return self.stances.get(Stance.SUPPORTIVE, 0)

    @property
    def opposed(self) -> int:
        return self.stances.get(Stance.OPPOSED, 0)

    @property
    def undecided(self) -> int:
        return self.stances.get(Stance.UNDECIDED, 0)

    @property
    def needs_attention(self) -> int:
        """The sum of the three parts (a case may be in more than one)."""
        return self.under_visited_opposed + self.overdue + self.stale_undecided

    @property
    def visited_percent(self) -> str:
        return _percent(self.visited, self.households)

    @property
    def supportive_percent(self) -> str:
        return _percent(self.supportive, self.households)

    @property
    def signed_percent(self) -> str:
        return _percent(self.signed, self.households)

    @property
    def visited_share(self) -> Fraction | None:
        """Visited households of all, exactly; ``None`` without households (for sorting)."""
        return _share(self.visited, self.households)

    @property
    def signed_share(self) -> Fraction | None:
        return _share(self.signed, self.households)

    def case_counts(self) -> dict[str, int]:
        """These figures as ``procedures.case_counts`` gives them for a whole project."""
        return {
            "total": self.households,
            "opposed": self.statuses.get(Case.Status.OPPOSED, 0),
            "open": self.open_cases,
        }

    def stance_rows(self):
        """(value, label, count) for each stance, in the order of ``Stance``."""
        return [(s.value, s.label, self.stances.get(s.value, 0)) for s in Stance]

    def status_rows(self):
        return [(s.value, s.label, self.statuses.get(s.value, 0)) for s in Case.Status]


def case_figures(cases, today: date) -> Figures:
    """The figures of ``cases`` (an already scoped queryset), in one query."""
    return Figures.from_row(cases.aggregate(**_case_aggregates(today)))


def figures_by(cases, key: str, today: date) -> dict[object, Figures]:
    """The figures of ``cases`` (already scoped) per value of ``key``, in one query.

    The same figures as ``_case_aggregates`` for each group, read another way: the cases are
    grouped by key, status, stance and the four conditions of ``_case_flags`` (a few hundred
    groups for forty projects), and the groups are added up here. Over a million cases that
    is one count and one filtered sum per row instead of twenty filtered aggregates, a sixth
    to a quarter less time (``benchmarks/home_figures.py``). The dashboard keeps the
    aggregates. tests/test_dashboards.py checks both ways agree.
    """
    flags = _case_flags(today)
    rows = (
        cases.annotate(**{name: ExpressionWrapper(q, BooleanField()) for name, q in flags.items()})
        .values(key, "status", "stance", *flags)
        .annotate(
            n=Count("pk"),
            mu=Sum("affected_mu", filter=signed_q()),
            last=Max("last_visit_on"),
        )
        .order_by()
    )
    figures: dict[object, Figures] = {}
    for row in rows:
        f = figures.get(row[key])
        if f is None:
            f = figures[row[key]] = Figures(
                stances=dict.fromkeys(Stance.values, 0),
                statuses=dict.fromkeys(Case.Status.values, 0),
            )
        n, status = row["n"], row["status"]
        f.households += n
        f.statuses[status] = f.statuses.get(status, 0) + n
        f.stances[row["stance"]] = f.stances.get(row["stance"], 0) + n
        if status in CLOSED_STATUSES:
            f.signed += n
            # SQLite sums decimals as floats: back to 亩 with two places, group by group.
            f.signed_mu += Decimal(row["mu"] or 0).quantize(MU)
        else:
            f.open_cases += n
        # A condition on a NULL date is NULL, not false: ``if`` treats both alike.
        f.visited += n if row["is_visited"] else 0
        f.overdue += n if row["is_overdue"] else 0
        f.under_visited_opposed += n if row["is_under_visited_opposed"] else 0
        f.stale_undecided += n if row["is_stale_undecided"] else 0
        if row["last"] and (f.last_visit_on is None or row["last"] > f.last_visit_on):
            f.last_visit_on = row["last"]
    return figures


# --- home and the project list --------------------------------------------------------------

#: The home page shows at most this many projects (the project list shows them all).
HOME_CARDS = 12


@dataclass
class ProjectSummary:
    """A project on the home page or the project list: its figures in the user's scope, its
    visits of the last ``RECENT_DAYS`` days, its open votes (with their tallies on the home
    page) and, on the list, its procedure's state."""

    project: Project
    figures: Figures
    recent_visits: int
    open_votes: list = field(default_factory=list)
    procedure: procedures.ProcedureStatus | None = None
    #: When ``figures`` were counted, if they were kept (``projects_figures``); else None.
    as_of: datetime | None = None

    @property
    def next_stage(self) -> procedures.StageRow | None:
        return self.procedure.next_row if self.procedure else None

    @property
    def next_due(self) -> date | None:
        row = self.next_stage
        return row.due_by if row else None

    @property
    def deadline_flag(self) -> procedures.Flag | None:
        return self.procedure.deadline_flag if self.procedure else None


def project_summaries(user, projects, today: date, *, tallies: bool = True) -> list:
    """``projects`` (already scoped, in their order) with their figures, in six queries
    whatever the data: the projects, their figures (``figures_by``), the visits of the last
    week, the open votes and their tallies (two; none without ``tallies``, when only the
    number of open votes is shown: each vote's tally is then ``None``)."""
    projects = list(projects)
    ids = [p.pk for p in projects]
    figures, as_of = projects_figures(user, ids, today)
    recent = dict(
        Visit.objects.visible_to(user)
        .filter(project_id__in=ids, visited_on__gt=today - timedelta(days=RECENT_DAYS))
        .filter(visited_on__lte=today)
        .values_list("project_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    votes = list(
        Vote.objects.visible_to(user)
        .filter(project_id__in=ids, status=Vote.Status.OPEN)
        .select_related("cooperative__village", "village")
    )
    results = tallies_for(votes) if tallies else {}
    votes_by_project = defaultdict(list)
    for vote in votes:
        votes_by_project[vote.project_id].append((vote, results.get(vote.pk)))
    return [
        ProjectSummary(
            project=p,
            figures=figures.get(p.pk, Figures()),
            recent_visits=recent.get(p.pk, 0),
            open_votes=votes_by_project[p.pk],
            as_of=as_of,
        )
        for p in projects
    ]


def projects_figures(user, ids: list[int], today: date) -> tuple[dict, datetime | None]:
    """``figures_by`` project of the projects ``ids`` in the user's scope, and when they were
    counted if they were kept.

    Counting them reads every case of the projects: a district's million took 300–400 ms,
    more than the home page and the project list may take (docs/PERFORMANCE.md). Those who
    see every village all see the same figures, so theirs are kept for
    ``settings.PROJECT_FIGURES_SECONDS`` (a minute), per day and set of projects; the pages
    say when they were counted. A village cadre's few thousand cases are counted each time
    (they are theirs alone), and a project's dashboard is never kept.
    """
    cases = Case.objects.visible_to(user).filter(project_id__in=ids)
    seconds = settings.PROJECT_FIGURES_SECONDS
    if not seconds or not sees_all_villages(user):
        return figures_by(cases, "project_id", today), None
    digest = hashlib.sha256(",".join(map(str, sorted(ids))).encode()).hexdigest()
    key = f"project-figures:{today.isoformat()}:{digest}"
    kept = cache.get(key)
    if kept is None:
        kept = (figures_by(cases, "project_id", today), timezone.now())
        cache.set(key, kept, seconds)
    return kept


def home_summaries(user, today: date) -> list[ProjectSummary]:
    """Every project the user may see with its figures, in six queries whatever the data."""
    projects = Project.objects.visible_to(user).order_by("-started_on", "name")
    return project_summaries(user, projects, today)


def unfinished(summaries: Iterable[ProjectSummary]) -> list[ProjectSummary]:
    """The projects not completed (planning, in progress or suspended)."""
    return [s for s in summaries if s.project.status != Project.Status.COMPLETED]


def home_cards(summaries: list[ProjectSummary]) -> list[ProjectSummary]:
    """The projects whose cards the home page shows: every one while at most ``HOME_CARDS``
    are unfinished; beyond that the ``HOME_CARDS`` unfinished ones with the most recent
    activity (the latest visit in the user's scope), most recent first, so that the page does
    not grow with the district. The project list shows them all."""
    active = unfinished(summaries)
    if len(active) <= HOME_CARDS:
        return summaries
    latest_first = sorted(active, key=lambda s: s.figures.last_visit_on or date.min, reverse=True)
    return latest_first[:HOME_CARDS]


def whole_project_counts(user, summaries) -> dict[int, dict[str, int]] | None:
    """The hearing rule's counts per project (``procedures.case_counts``), taken from the
    figures when they are the whole project's, a township-wide user's: no second scan of every
    case. ``None`` for anyone else, whose figures are their villages' only: the procedure then
    counts the whole project (one query)."""
    if not sees_all_villages(user):
        return None
    return {s.project.pk: s.figures.case_counts() for s in summaries}


#: The project list's sort keys by ordering parameter (``filters.ProjectFilter``): the value
#: a row is sorted by, ``None`` where it has none (a share of no households, no stage due).
PROJECT_SORT_KEYS: dict[str, Callable[[ProjectSummary], object]] = {
    "name": lambda s: s.project.name,
    "households": lambda s: s.figures.households,
    "visited": lambda s: s.figures.visited_share,
    "signed": lambda s: s.figures.signed_share,
    "opposed": lambda s: s.figures.opposed,
    "overdue": lambda s: s.figures.overdue,
    "recent_visits": lambda s: s.recent_visits,
    "open_votes": lambda s: len(s.open_votes),
    "next_due": lambda s: s.next_due,
}


def sort_summaries(summaries, ordering: Iterable[str]) -> list[ProjectSummary]:
    """``summaries`` sorted by ``ordering`` (keys of ``PROJECT_SORT_KEYS``, ``-`` first for
    descending), ties in their given order. The figures are not columns, so the rows are
    sorted here rather than by the database: a row without a value comes last whichever the
    direction."""
    rows = list(summaries)
    for param in reversed(list(ordering)):
        key = PROJECT_SORT_KEYS[param.removeprefix("-")]
        valued = [s for s in rows if key(s) is not None]
        valued.sort(key=key, reverse=param.startswith("-"))
        rows = valued + [s for s in rows if key(s) is None]
    return rows


def project_list(user, projects, today: date, ordering: Iterable[str] = ()) -> list:
    """The project list's rows: ``projects`` (already scoped and filtered) as summaries, with
    the villages the user sees of each (``project.visible_villages``) and the procedure's
    state, sorted by ``ordering``. Eight queries whatever the number of projects and
    households (``project_summaries``' four: no tallies, the list shows the number of open
    votes; the villages, the procedure's stages, their dependencies and the calendar), one
    more for a village cadre when a project has a conditional stage (the hearing rule's
    whole-project counts, ``procedures.needs_case_counts``)."""
    villages = Village.objects.visible_to(user).order_by("name")
    projects = projects.prefetch_related(
        Prefetch("villages", queryset=villages, to_attr="visible_villages")
    )
    summaries = project_summaries(user, projects, today, tallies=False)
    statuses = procedures.procedure_flags_for_projects(
        [s.project for s in summaries], today, counts=whole_project_counts(user, summaries)
    )
    for s in summaries:
        s.procedure = statuses[s.project.pk]
    return sort_summaries(summaries, ordering)


@dataclass(frozen=True)
class FollowUps:
    """A visitor's own follow-ups: open cases they visited whose next follow-up is due."""

    today: int  # today or overdue
    soon: int  # within DUE_SOON_DAYS, overdue included
    days: int = DUE_SOON_DAYS


def follow_ups_of(user, today: date) -> FollowUps:
    """ "Whom do I visit next": the cases ``user`` visited, in their scope, whose follow-up is
    due today or overdue, and within the coming week. One query."""
    counts = (
        Case.objects.visible_to(user)
        .visited_by(user)
        .aggregate(
            today=Count("pk", filter=due_q(today)),
            soon=Count("pk", filter=due_q(today, DUE_SOON_DAYS)),
        )
    )
    return FollowUps(today=counts["today"], soon=counts["soon"])


# --- project dashboard ------------------------------------------------------------------------


@dataclass
class CooperativeFigures:
    pk: int  # the case list's ``cooperative`` filter, which its counts open
    name: str
    village: str
    figures: Figures


def cooperative_figures(cases, today: date) -> list[CooperativeFigures]:
    """The same figures per cooperative, in one query."""
    rows = (
        cases.values(
            "household__cooperative_id",
            "household__cooperative__name",
            "household__cooperative__village__name",
        )
        .annotate(**_case_aggregates(today))
        .order_by("household__cooperative__village__name", "household__cooperative__name")
    )
    return [
        CooperativeFigures(
            pk=row["household__cooperative_id"],
            name=row["household__cooperative__name"],
            village=row["household__cooperative__village__name"],
            figures=Figures.from_row(row),
        )
        for row in rows
    ]


def week_starts(today: date, weeks: int = WEEKS) -> list[date]:
    """The Mondays of the last ``weeks`` calendar weeks, the current week last."""
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def visit_counts(visits, today: date, weeks: int = WEEKS):
    """Visits per week for the last ``weeks`` weeks and visits per branch (all time), read in
    one pass over the visits (one query): counted by (branch, week of the visit if recent).

    Returns ``(weeks, branches)``: [(Monday, visits that week)], and [(branch name, visits
    credited)] most first, visits credited to no branch last."""
    starts = week_starts(today, weeks)
    recent = Q(visited_on__gte=starts[0], visited_on__lte=today)
    rows = (
        visits.annotate(week=DbCase(When(recent, then=TruncWeek("visited_on")), default=None))
        .values_list("branch__name", "week")
        .annotate(n=Count("pk"))
        .order_by()
    )
    per_week = [0] * weeks
    per_branch: dict[str, int] = defaultdict(int)
    for name, week, n in rows:
        if week is not None:
            monday = week.date() if isinstance(week, datetime) else week
            per_week[(monday - starts[0]).days // 7] += n
        per_branch[name or ""] += n
    named = sorted(((k, n) for k, n in per_branch.items() if k), key=lambda r: (-r[1], r[0]))
    unnamed = per_branch.get("", 0)
    branches = named + ([(_("no branch"), unnamed)] if unnamed else [])
    return list(zip(starts, per_week, strict=True)), branches


def visits_per_week(visits, today: date, weeks: int = WEEKS) -> list[tuple[date, int]]:
    """(Monday, visits that week) for the last ``weeks`` weeks, in one query."""
    return visit_counts(visits, today, weeks)[0]


def project_visit_weeks(visits, today: date, weeks: int = WEEKS):
    """The project dashboard's visits per week and per branch: ``(weeks, branches, end)``.

    The weeks are the last ``weeks`` up to today (``end``), or, when no visit falls in them
    but the project has older ones (a finished project, the demo's 2017–2021 history), the
    ``weeks`` up to the week of the last visit: an empty chart would not tell a leader how the
    visiting went. One query, two more in that second case (the last visit's date, its weeks).
    """
    per_week, branches = visit_counts(visits, today, weeks)
    if branches and not any(n for _monday, n in per_week):
        last = visits.aggregate(last=Max("visited_on"))["last"]
        if last is not None and last < per_week[0][0]:
            return visits_per_week(visits, last, weeks), branches, last
    return per_week, branches, today


def visits_per_branch(visits, today: date) -> list[tuple[str, int]]:
    """(branch name, visits credited), most first; visits credited to no branch last."""
    return visit_counts(visits, today)[1]


#: A deadline this close is flagged on the dashboard (the procedure page uses the same window).
DEADLINE_SOON_DAYS = 7


@dataclass
class StageRow:
    stage: Stage
    state: str  # done, overdue, in_progress, due, planned, not_required
    today: date | None = None

    @property
    def name(self) -> str:
        return self.stage.display_name(get_language())

    @property
    def done_early(self) -> bool:
        """Marked done before its legal minimum had elapsed (the reason was required then)."""
        return bool(self.stage.done_on and self.stage.early_reason)

    @property
    def due_soon(self) -> bool:
        due = self.stage.due_on
        return bool(
            self.today
            and self.state in ("due", "in_progress")
            and due
            and 0 <= (due - self.today).days <= DEADLINE_SOON_DAYS
        )

    @property
    def label(self) -> str:
        if self.state == "not_required":  # the words of the procedure page
            if self.stage.requirement == Requirement.CONDITIONAL:
                return _("not required now")
            return _("not required")
        return {
            "done": pgettext("stage state", "done"),
            "overdue": pgettext("stage state", "overdue"),
            "in_progress": pgettext("stage state", "in progress"),
            "due": pgettext("stage state", "due"),
            "planned": pgettext("stage state", "planned"),
        }[self.state]


def stage_state(stage: Stage, today: date, required: bool = True) -> str:
    if stage.done_on:
        return "done"
    if not required and not stage.started_on:
        return "not_required"
    if stage.due_on and stage.due_on < today:
        return "overdue"
    if stage.started_on:
        return "in_progress"
    if stage.due_on:
        return "due"
    return "planned"


def stage_timeline(stages, today: date, counts: dict[str, int]) -> list[StageRow]:
    """The project's stages in order with their state on ``today`` and the flags their stored
    dates give: done early (with its reason), overdue, due within seven days; a stage not
    required (a hearing while no majority is opposed, ``procedures.stage_required`` with the
    project's ``counts``) is neither due nor overdue. The statutory computation with the
    working-day calendar and dependencies is the procedure page's
    (``cases.procedures.stage_flags``); the dashboard links to it."""
    return [
        StageRow(
            stage=s,
            state=stage_state(s, today, procedures.stage_required(s, counts)),
            today=today,
        )
        for s in stages
    ]


@dataclass
class Attention:
    key: str
    label: str
    count: int
    cases: list


ATTENTION_ORDER = ["next_follow_up_on", "last_visit_on", "household__number", "pk"]


def needs_attention(cases, figures: Figures, today: date) -> list[Attention]:
    """The three parts of ``needs_attention()``, the first cases of each, in one query: the
    cases that are among the first of any part (a limited subquery per part, served by the
    project's indexes), each marked with the parts it was first in.

    The rows are fetched by id from the parts' ids (one ``UNION ALL`` where the database
    orders and limits the parts of a compound query: PostgreSQL): filtered as
    ``cases`` (the project, the cadre's villages) OR'd with three ``IN (subquery)``, every case
    of the project was read and tested against the parts' ids, 80–100 ms for a project of
    200,000 cases whatever the cadre's village (docs/PERFORMANCE.md, seventh session)."""
    parts = [
        ("under_visited_opposed", _("Opposed, fewer than three visits"), under_visited_opposed_q()),
        ("overdue", _("Follow-up overdue"), overdue_q(today)),
        ("stale_undecided", _("Undecided, not visited for 30 days"), stale_undecided_q(today)),
    ]
    firsts = {
        key: cases.filter(condition).order_by(*ATTENTION_ORDER)[:ATTENTION_LIMIT].values("pk")
        for key, _label, condition in parts
        if getattr(figures, key)
    }
    rows = []
    if firsts:
        marks = {
            f"first_{key}": ExpressionWrapper(Q(pk__in=first), output_field=BooleanField())
            for key, first in firsts.items()
        }
        first, *more = firsts.values()
        if not more:
            wanted = Q(pk__in=first)
        elif connections[cases.db].features.supports_slicing_ordering_in_compound:
            wanted = Q(pk__in=first.union(*more, all=True))
        else:
            wanted = reduce(or_, (Q(pk__in=ids) for ids in firsts.values()))
        rows = list(
            Case.objects.filter(wanted)
            .annotate(**marks)
            .select_related("household")
            .order_by(*ATTENTION_ORDER)
        )
    return [
        Attention(
            key=key,
            label=label,
            count=getattr(figures, key),
            cases=[case for case in rows if getattr(case, f"first_{key}", False)],
        )
        for key, label, _condition in parts
    ]


@dataclass
class Dashboard:
    project: Project
    today: date
    figures: Figures
    cooperatives: list[CooperativeFigures]
    status_chart: charts.BarChart
    weeks: list[tuple[date, int]]
    #: The day the weeks end: today, or the last visit when none was made in the last weeks.
    weeks_end: date
    week_chart: charts.BarChart
    branches: list[tuple[str, int]]
    stages: list[StageRow]
    attention: list[Attention]
    votes: list

    @property
    def weeks_recent(self) -> bool:
        """Whether the weeks are the last ones up to today."""
        return self.weeks_end == self.today


def project_dashboard(project: Project, user, today: date) -> Dashboard:
    """Everything on a project's page, read through the user's scope, in seven queries: the
    figures per cooperative (the project's totals are their sum), visits per week and branch
    (two more when none was made in the last weeks: ``project_visit_weeks``), votes and their
    tallies (three), stages, the cases needing attention. One more for a village cadre when
    the project has a conditional stage: the hearing rule counts every household of the
    project, and the cadre's figures cover their villages only."""
    cases = Case.objects.visible_to(user).filter(project=project)
    visits = Visit.objects.visible_to(user).filter(project=project)
    cooperatives = cooperative_figures(cases, today)
    figures = Figures.combined([c.figures for c in cooperatives])
    weeks, branches, weeks_end = project_visit_weeks(visits, today)
    votes = list(
        Vote.objects.visible_to(user)
        .filter(project=project)
        .select_related("cooperative__village", "village")
        .order_by("-opens_on", "pk")
    )
    tallies = tallies_for(votes)
    stages = list(project.stages.all())
    if sees_all_villages(user):  # the figures are the whole project's
        counts = figures.case_counts()
    elif procedures.needs_case_counts(stages):
        # the hearing rule counts every household of the project (one query)
        counts = procedures.case_counts([project.pk]).get(project.pk, {})
    else:
        counts = {}
    return Dashboard(
        project=project,
        today=today,
        figures=figures,
        cooperatives=cooperatives,
        status_chart=charts.row_chart(
            figures.status_rows(), width=CHART_ROWS_WIDTH, label_width=180
        ),
        weeks=weeks,
        weeks_end=weeks_end,
        week_chart=charts.column_chart(
            [(f"{monday:%m-%d}", n) for monday, n in weeks], width=900, height=240
        ),
        branches=branches,
        stages=stage_timeline(stages, today, counts),
        attention=needs_attention(cases, figures, today),
        votes=[(vote, tallies[vote.pk]) for vote in votes],
    )
