"""A project's statutory procedure: planned dates, deadlines and the flags a leader must see.

Reads only (writes are in ``services.procedures``). Dates come from the township's working-day
calendar (``township_calendar``: the official calendar plus the "Working-day adjustments"
table). A period the calendar cannot answer for is flagged, never guessed.

Rules (DESIGN.md "Procedures"):

* a *minimum* period (e.g. 预公告 ≥ 10 working days, 实施条例 art. 26) runs from the stage's
  start (the day the notice is posted); finishing before it ends needs a reason and is flagged;
* a *deadline* (e.g. 征收公告 within 15 working days of approval, 实施条例 art. 31) runs from
  the day the step(s) it depends on were done; it is flagged 7 days ahead and once passed;
* the hearing (土地管理法 art. 47, 实施条例 art. 28) is required when MORE than half of the
  households are recorded as opposed (exactly half is not "过半数", 民法典 art. 1259).
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from django.db.models import Count, Q
from django.utils.translation import get_language, gettext as _

from . import voting
from .models import Case, Condition, PeriodKind, Project, Requirement, Stage, WorkdayOverride
from .models.casework import open_q
from .workdays import UnknownCalendarYear, WorkCalendar

#: 过半数: more than half (exclusive), as in the vote rules.
MAJORITY = voting.Bound(Fraction(1, 2), inclusive=False)
#: A deadline this many days ahead (or fewer) is flagged as near.
DEADLINE_SOON_DAYS = 7


def township_calendar() -> WorkCalendar:
    """The official calendar with the township's adjustments on top (one query).

    A year with at least one adjustment counts as entered (``WorkdayOverride``'s docstring).
    """
    overrides = dict(WorkdayOverride.objects.values_list("date", "is_workday"))
    return WorkCalendar(overrides, known_years={d.year for d in overrides})


#: From this month on next year's calendar is needed: the State Council's notice is out by
#: November, and a procedure started then reaches January.
NEXT_YEAR_NOTICE_MONTH = 11


def calendar_to_enter(today: date) -> int | None:
    """The year whose official calendar is needed and nobody knows: this year, else, from
    ``NEXT_YEAR_NOTICE_MONTH``, next year. A query only for a year the library lacks."""
    years = [today.year] + ([today.year + 1] if today.month >= NEXT_YEAR_NOTICE_MONTH else [])
    library = WorkCalendar()
    for year in years:
        if (
            not library.knows_year(year)
            and not WorkdayOverride.objects.filter(date__year=year).exists()
        ):
            return year
    return None


# --- planning -------------------------------------------------------------------------------


def dependency_indexes(order: Sequence[int], explicit: Sequence[Iterable[int]]) -> list[list[int]]:
    """For each step, the indexes of the steps it depends on: the explicit ones, else the previous.

    ``order`` are the steps' identities (orders or primary keys), ``explicit`` their explicit
    dependencies in the same identities; unknown identities are ignored.
    """
    index = {key: i for i, key in enumerate(order)}
    result = []
    for i, deps in enumerate(explicit):
        found = sorted(index[d] for d in deps if d in index and index[d] != i)
        result.append(found or ([i - 1] if i else []))
    return result


def anchor_date(
    i: int,
    deps: Sequence[Sequence[int]],
    end_of: Callable[[int], date | None],
    passes_through: Callable[[int], bool],
) -> date | None:
    """The latest end among step ``i``'s dependencies, or ``None`` if one of them has none.

    A dependency that ``passes_through`` (a conditional step that is not required) stands for
    its own dependencies.
    """
    ends = []
    for j in deps[i]:
        end = anchor_date(j, deps, end_of, passes_through) if passes_through(j) else end_of(j)
        if end is None:
            return None
        ends.append(end)
    return max(ends) if ends else None


def pending_dependencies(
    i: int,
    deps: Sequence[Sequence[int]],
    done: Callable[[int], bool],
    passes_through: Callable[[int], bool],
) -> list[int]:
    """The indexes of the steps ``i`` still waits for: its dependencies not done, a
    dependency that ``passes_through`` standing for its own (as in ``anchor_date``)."""
    pending: list[int] = []
    for j in deps[i]:
        if passes_through(j):
            pending += [
                k for k in pending_dependencies(j, deps, done, passes_through) if k not in pending
            ]
        elif not done(j) and j not in pending:
            pending.append(j)
    return pending


@dataclass(frozen=True)
class PlannedDates:
    planned_start: date | None
    due_on: date | None
    unknown_year: int | None = None

    @property
    def end(self) -> date | None:
        return self.due_on or self.planned_start


def plan_dates(steps: Sequence, start: date, calendar: WorkCalendar) -> list[PlannedDates]:
    """The earliest dates the statutory periods allow, step after step, from ``start``.

    ``steps`` have ``period_kind``, ``period_amount``, ``period_unit``, ``requirement`` and a
    ``deps`` list of indexes. A step starts on the first working day after the steps it
    depends on; conditional steps are planned but nobody waits for them. A minimum step is
    due when its period is complete; a deadline step at its deadline; a step without a period
    has no due date. A year the calendar does not know leaves the step, and every step that
    waits for it, without dates.
    """
    plans: list[PlannedDates] = []

    def passes_through(j: int) -> bool:
        return steps[j].requirement == Requirement.CONDITIONAL

    def end_of(j: int) -> date | None:
        return plans[j].end

    blocked_by: int | None = None  # the unknown year the steps after it wait for
    for i, step in enumerate(steps):
        try:
            if not step.deps:
                anchor, begin = None, start
            else:
                anchor = anchor_date(i, [s.deps for s in steps], end_of, passes_through)
                if anchor is None:
                    plans.append(PlannedDates(None, None, blocked_by))
                    continue
                begin = calendar.add_working_days(anchor, 1)
            due = None
            if step.period_kind == PeriodKind.MINIMUM and step.period_amount:
                due = calendar.period_end(begin, step.period_amount, step.period_unit)
            elif step.period_kind == PeriodKind.DEADLINE and step.period_amount:
                due = calendar.period_end(anchor or start, step.period_amount, step.period_unit)
            plans.append(PlannedDates(begin, due))
        except UnknownCalendarYear as exc:
            blocked_by = blocked_by or exc.year
            plans.append(PlannedDates(None, None, exc.year))
    return plans


@dataclass(frozen=True)
class PlanStep:
    period_kind: str
    period_amount: int | None
    period_unit: str
    requirement: str
    deps: list[int]

    @classmethod
    def of(cls, step, deps: list[int]) -> "PlanStep":
        """A template step or a stage, with the indexes of the steps it depends on."""
        return cls(step.period_kind, step.period_amount, step.period_unit, step.requirement, deps)


# --- flags ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    """``code``: done_early, deadline_soon, deadline_passed, done_late, hearing_required,
    calendar_unknown. ``level``: "danger" or "warning" (a CSS class)."""

    code: str
    level: str
    message: str


@dataclass(frozen=True)
class HearingFigure:
    """Households recorded as opposed, of all the households in the project."""

    opposed: int
    total: int

    @property
    def required(self) -> bool:
        return bool(self.total) and MAJORITY.met(self.opposed, self.total)

    @property
    def percent(self) -> str:
        return voting.format_percent(Fraction(self.opposed, self.total) if self.total else 0)

    @property
    def needed(self) -> int:
        """How many opposed households make "more than half"."""
        return MAJORITY.minimum(self.total)


@dataclass
class StageRow:
    stage: Stage
    required: bool
    conditional: bool
    planned_start: date | None = None
    due_on: date | None = None
    minimum_ends: date | None = None
    deadline: date | None = None
    deadline_running: bool = False
    #: not started: the first working day after every stage it waits for was done, when that
    #: is not its planned start (the plan was laid out from the law's earliest dates and
    #: goes stale when a stage before it runs late or early).
    ready_on: date | None = None
    #: not started, its planned start passed: the rows of the stages it still waits for.
    waiting_for: list["StageRow"] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    #: filled in by the page: the stage's evidence and its forms.
    evidence: list = field(default_factory=list)
    done_form: object = None
    evidence_form: object = None

    @property
    def name(self) -> str:
        return self.stage.display_name(get_language())

    @property
    def in_progress(self) -> bool:
        return bool(self.stage.started_on and not self.stage.done_on)

    @property
    def due_by(self) -> date | None:
        """The day the stage is due: its deadline, else the end of its legal minimum, else
        its planned end."""
        return self.deadline or self.minimum_ends or self.due_on


@dataclass
class ProcedureStatus:
    project: Project
    rows: list[StageRow]
    hearing: HearingFigure
    holdouts: int
    unknown_years: list[int]

    @property
    def flags(self) -> list[tuple[StageRow, Flag]]:
        return [(row, flag) for row in self.rows for flag in row.flags]

    @property
    def has_hearing(self) -> bool:
        """Whether a stage waits on the hearing rule (a land acquisition's; not the six steps)."""
        return any(r.stage.condition == Condition.HEARING_IF_MAJORITY_OPPOSED for r in self.rows)

    @property
    def calendar_warnings(self) -> list[str]:
        return [str(UnknownCalendarYear(year)) for year in self.unknown_years]

    @property
    def next_row(self) -> StageRow | None:
        """The first stage not done that the procedure requires now (a conditional stage only
        when its condition is met)."""
        return next((row for row in self.rows if row.required and not row.stage.done_on), None)

    @property
    def deadline_flag(self) -> Flag | None:
        """A statutory deadline that has passed, else one within ``DEADLINE_SOON_DAYS``."""
        flags = [flag for _row, flag in self.flags]
        for code in ("deadline_passed", "deadline_soon"):
            found = next((flag for flag in flags if flag.code == code), None)
            if found:
                return found
        return None


def _d(value: date) -> str:
    """A day as every page writes it, in both languages (2021-02-20), not as Django's
    DATE_FORMAT would (Feb. 20, 2021 beside the card's 2021-02-20)."""
    return value.isoformat()


def _condition_met(condition: str, hearing: HearingFigure, holdouts: int) -> bool:
    if condition == Condition.HEARING_IF_MAJORITY_OPPOSED:
        return hearing.required
    if condition == Condition.HOLDOUTS_REMAIN:
        return holdouts > 0
    return False


def stage_required(stage: Stage, counts: dict[str, int]) -> bool:
    """Whether the stage must be done; a conditional one only while its condition holds.

    ``counts``: ``case_counts`` of the stage's whole project (the hearing rule counts every
    household of the project, whoever is asking)."""
    if stage.requirement != Requirement.CONDITIONAL:
        return stage.requirement == Requirement.REQUIRED
    hearing = HearingFigure(counts.get("opposed", 0), counts.get("total", 0))
    return _condition_met(stage.condition, hearing, counts.get("open", 0))


def _minimum_row(row: StageRow, calendar: WorkCalendar, unknown: set[int]) -> None:
    stage = row.stage
    begin = stage.started_on or max(filter(None, [row.planned_start, row.ready_on]), default=None)
    try:
        if begin is not None:
            row.minimum_ends = calendar.period_end(begin, stage.period_amount, stage.period_unit)
        if stage.done_on and stage.started_on:
            early = not calendar.elapsed(
                stage.started_on, stage.done_on, stage.period_amount, stage.period_unit
            )
            if early:
                row.flags.append(
                    Flag(
                        "done_early",
                        "danger",
                        _(
                            "Done on %(done)s, before its legal minimum ended on %(end)s. "
                            "Reason: %(reason)s"
                        )
                        % {
                            "done": _d(stage.done_on),
                            "end": _d(row.minimum_ends),
                            "reason": stage.early_reason or _("none recorded"),
                        },
                    )
                )
    except UnknownCalendarYear as exc:
        unknown.add(exc.year)
        row.flags.append(Flag("calendar_unknown", "warning", str(exc)))


def _deadline_row(
    row: StageRow, anchor: date | None, today: date, calendar: WorkCalendar, unknown: set[int]
) -> None:
    stage = row.stage
    row.deadline = row.due_on
    if anchor is None:
        return
    try:
        row.deadline = calendar.period_end(anchor, stage.period_amount, stage.period_unit)
    except UnknownCalendarYear as exc:
        unknown.add(exc.year)
        row.flags.append(Flag("calendar_unknown", "warning", str(exc)))
        return
    row.deadline_running = True
    if stage.done_on:
        if stage.done_on > row.deadline:
            row.flags.append(
                Flag(
                    "done_late",
                    "danger",
                    _("Done on %(done)s, after its deadline of %(deadline)s.")
                    % {"done": _d(stage.done_on), "deadline": _d(row.deadline)},
                )
            )
    elif today > row.deadline:
        row.flags.append(
            Flag(
                "deadline_passed",
                "danger",
                _("The deadline of %(deadline)s has passed.") % {"deadline": _d(row.deadline)},
            )
        )
    elif row.deadline - today <= timedelta(days=DEADLINE_SOON_DAYS):
        row.flags.append(
            Flag(
                "deadline_soon",
                "warning",
                _("Deadline %(deadline)s: %(days)s days left.")
                % {"deadline": _d(row.deadline), "days": (row.deadline - today).days},
            )
        )


def _where_it_stands(
    rows: list[StageRow],
    deps: list[list[int]],
    passes_through: Callable[[int], bool],
    today: date,
    calendar: WorkCalendar,
    unknown: set[int],
) -> None:
    """Fill the ``ready_on`` and ``waiting_for`` of the required stages not started, from what
    was actually done: the stored plan is the law's earliest dates from the project's start."""

    def done(j: int) -> bool:
        return bool(rows[j].stage.done_on)

    for i, row in enumerate(rows):
        stage = row.stage
        if stage.started_on or stage.done_on or not deps[i] or not row.required:
            continue  # a stage not required now (a hearing nobody asked for) waits for nothing
        pending = pending_dependencies(i, deps, done, passes_through)
        if pending:
            if row.planned_start is not None and row.planned_start <= today:
                row.waiting_for = [rows[j] for j in pending]
            continue
        latest = anchor_date(i, deps, lambda j: rows[j].stage.done_on, passes_through)
        if latest is None:  # every dependency passes through to none: the start anchors it
            continue
        try:
            ready = calendar.add_working_days(latest, 1)
        except UnknownCalendarYear as exc:
            unknown.add(exc.year)  # the page says so at its top
            continue
        if ready != row.planned_start:
            row.ready_on = ready


def _status(
    project: Project,
    stages: list[Stage],
    counts: dict,
    today: date,
    calendar: WorkCalendar,
) -> ProcedureStatus:
    hearing = HearingFigure(counts.get("opposed", 0), counts.get("total", 0))
    holdouts = counts.get("open", 0)
    unknown: set[int] = set()
    rows = []
    for stage in stages:
        conditional = stage.requirement == Requirement.CONDITIONAL
        required = stage_required(stage, counts)
        rows.append(StageRow(stage, required, conditional, stage.planned_start, stage.due_on))
    deps = dependency_indexes(
        [s.pk for s in stages], [[d.pk for d in s.depends_on.all()] for s in stages]
    )

    def passes_through(j: int) -> bool:
        return not rows[j].required and not stages[j].done_on

    live_plan = None
    if any(s.planned_start is None and not s.done_on for s in stages):
        # Stages laid out while a year was unknown: plan them again with today's calendar,
        # so that the adjustments entered since make them computable.
        first = next((s.planned_start for s in stages if s.planned_start), None)
        live_plan = plan_dates(
            [PlanStep.of(s, d) for s, d in zip(stages, deps, strict=True)],
            first or project.started_on or today,
            calendar,
        )
        for row, plan in zip(rows, live_plan, strict=True):
            if row.stage.planned_start is not None:
                continue
            row.planned_start, row.due_on = plan.planned_start, plan.due_on
            if plan.unknown_year and not row.stage.done_on:
                unknown.add(plan.unknown_year)
                row.flags.append(
                    Flag(
                        "calendar_unknown",
                        "warning",
                        _("No date until the official calendar for %(year)s is entered.")
                        % {"year": plan.unknown_year},
                    )
                )
    # After the live plan: a stage planned only now is compared with its live planned start.
    _where_it_stands(rows, deps, passes_through, today, calendar, unknown)

    hearing_flagged = False
    for i, row in enumerate(rows):
        stage = row.stage
        if stage.is_minimum:
            _minimum_row(row, calendar, unknown)
        elif stage.is_deadline:
            anchor = anchor_date(i, deps, lambda j: stages[j].done_on, passes_through)
            _deadline_row(row, anchor, today, calendar, unknown)
        if (
            row.conditional
            and row.required
            and stage.condition == Condition.HEARING_IF_MAJORITY_OPPOSED
            and not stage.done_on
            and not hearing_flagged  # the hearing itself, not the re-announcement after it
        ):
            hearing_flagged = True
            row.flags.append(
                Flag(
                    "hearing_required",
                    "danger",
                    _(
                        "Required: %(opposed)s of %(total)s households (%(percent)s) are "
                        "recorded as opposed, more than half."
                    )
                    % {
                        "opposed": hearing.opposed,
                        "total": hearing.total,
                        "percent": hearing.percent,
                    },
                )
            )
    return ProcedureStatus(project, rows, hearing, holdouts, sorted(unknown))


def needs_case_counts(stages: Iterable[Stage]) -> bool:
    """Whether a project with these stages needs its ``case_counts``: only a conditional stage
    (the hearing rule, holdouts remaining) reads them, and the hearing figure is shown only
    beside such a stage (``ProcedureStatus.has_hearing``)."""
    return any(s.requirement == Requirement.CONDITIONAL for s in stages)


def case_counts(project_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Per project: all cases, those recorded as opposed, those not yet signed (one query;
    none for no projects)."""
    project_ids = list(project_ids)
    if not project_ids:
        return {}
    rows = (
        Case.objects.filter(project_id__in=project_ids)
        .values("project_id")
        .annotate(
            total=Count("pk"),
            opposed=Count("pk", filter=Q(status=Case.Status.OPPOSED)),
            open=Count("pk", filter=open_q()),
        )
        .order_by()
    )
    return {r["project_id"]: r for r in rows}


def procedure_flags_for_projects(
    projects: Iterable[Project],
    today: date,
    calendar: WorkCalendar | None = None,
    counts: dict[int, dict[str, int]] | None = None,
) -> dict[int, ProcedureStatus]:
    """Every project's procedure status, keyed by project id, in four queries whatever the
    number of projects: stages, their dependencies, case counts, the township calendar. The
    cases are counted only for the projects with a conditional stage (``needs_case_counts``):
    three queries when none has one, as for the six steps.

    ``counts``: ``case_counts`` of these projects when the caller has them already (three
    queries then). They must be the whole project's, whoever is asking: the hearing rule
    counts every household of the project, not those of one cadre's villages.
    """
    projects = list(projects)
    calendar = calendar or township_calendar()
    by_project: dict[int, list[Stage]] = {p.pk: [] for p in projects}
    stages = (
        Stage.objects.filter(project_id__in=list(by_project))
        .order_by("project_id", "order")
        .prefetch_related("depends_on")
    )
    for stage in stages:
        by_project[stage.project_id].append(stage)
    if counts is None:
        counts = case_counts(pk for pk, ss in by_project.items() if needs_case_counts(ss))
    return {
        p.pk: _status(p, by_project[p.pk], counts.get(p.pk, {}), today, calendar) for p in projects
    }


def stage_flags(
    project: Project, today: date, calendar: WorkCalendar | None = None
) -> ProcedureStatus:
    """One project's timeline: each stage's dates, requirement and flags, the hearing figure
    and the years the calendar does not know."""
    return procedure_flags_for_projects([project], today, calendar)[project.pk]


def early_completion_end(
    stage: Stage, started_on: date | None, done_on: date, calendar: WorkCalendar
) -> date | None:
    """The day the stage's legal minimum ends if ``done_on`` is before it, else ``None``.

    Raises ``UnknownCalendarYear`` if the calendar cannot say.
    """
    if not stage.is_minimum or started_on is None:
        return None
    if calendar.elapsed(started_on, done_on, stage.period_amount, stage.period_unit):
        return None
    return calendar.period_end(started_on, stage.period_amount, stage.period_unit)


#: Flags that ask for action now (shown on the home page); the rest are history.
ATTENTION = frozenset({"deadline_soon", "deadline_passed", "hearing_required", "calendar_unknown"})


def procedure_alerts(
    projects: Iterable[Project], today: date, counts: dict[int, dict[str, int]] | None = None
) -> list[tuple[Project, list]]:
    """``(project, [(row, flag), …])`` for projects with a flag that asks for action now;
    ``counts`` as for ``procedure_flags_for_projects``."""
    projects = list(projects)
    statuses = procedure_flags_for_projects(projects, today, counts=counts)
    alerts = []
    for project in projects:
        flags = [(r, f) for r, f in statuses[project.pk].flags if f.code in ATTENTION]
        if flags:
            alerts.append((project, flags))
    return alerts
