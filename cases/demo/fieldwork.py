"""The demo's projects and cases: areas within the project's, stages as the story tells
them, visits and the cases' outcomes."""

from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from .. import services, voting
from ..models import (
    Case,
    Project,
    Stage,
    Visit,
)
from .people import (
    INVENTED,
    _evening,
)


def _project(ctx, name, kind, status, villages, coops, area, start, end, description, six_steps=()):
    """The project, and its six steps when ``six_steps`` gives them (``_lay_six_steps``)."""
    project = Project.objects.create(
        township=ctx.township,
        name=name,
        kind=kind,
        status=status,
        area_mu=Decimal(area),
        started_on=start,
        ended_on=end,
        description=description + " " + INVENTED,
    )
    project.villages.set([ctx.villages[v] for v in villages])
    project.cooperatives.set([ctx.coops[c] for c in coops])
    if six_steps:
        _lay_six_steps(project, six_steps)
    return project


def _affected_areas(households, area_mu: Decimal) -> list[Decimal]:
    """Each household's affected area (亩): its contracted land, or, when the households'
    contracted land adds up to more than the project's area (Nanyang: 72 households on a
    58.30 亩 plot of the village industrial park), its share of the project's area in
    proportion to it, in hundredths of a 亩 by largest remainders, so that the cases add up to
    the project's area exactly and never to more."""
    contracted = [hh.contracted_mu for hh in households]
    total = sum(contracted)
    if total <= area_mu:
        return contracted
    cent = Decimal("0.01")
    exact = [mu * area_mu / total for mu in contracted]
    shares = [mu.quantize(cent, rounding=ROUND_DOWN) for mu in exact]
    left = int((area_mu - sum(shares)) / cent)
    by_remainder = sorted(range(len(exact)), key=lambda i: shares[i] - exact[i])
    for i in by_remainder[:left]:
        shares[i] += cent
    return shares


def _enrol(project, households) -> list[Case]:
    """A case per household, its affected area within the project's (``_affected_areas``)."""
    areas = _affected_areas(households, project.area_mu)
    return Case.objects.bulk_create(
        [
            Case(project=project, household=hh, affected_mu=mu)
            for hh, mu in zip(households, areas, strict=True)
        ]
    )


def _lay_stages(project, start: date, actual: dict, reasons: dict | None = None, planned=None):
    """Stages from the kind's default template, planned from ``start``, with what was done:
    ``actual`` maps a step's order to (started, done or None); ``planned``, when given, maps
    each step's order to the planned start the story implies, replacing the layout's and its
    due date. Each stage cites only the texts in force when it started (``_basis_in_force``)."""
    stages = services.project_lay_out_stages(project=project, start=start)
    reasons = reasons or {}
    for stage in stages:
        stage.started_on, stage.done_on = actual.get(stage.order, (None, None))
        stage.early_reason = reasons.get(stage.order, "")
        if planned is not None:
            stage.planned_start, stage.due_on = planned[stage.order], None
        stage.legal_basis = _basis_in_force(
            stage.legal_basis, stage.started_on or stage.planned_start
        )
    Stage.objects.bulk_update(
        stages,
        ["started_on", "done_on", "early_reason", "planned_start", "due_on", "legal_basis"],
    )
    return stages


def _lay_six_steps(project, plan: list[tuple[date, date | None, date | None]]):
    """The six steps (民事民提、民议、民决、民筹、民办、民评) as the story tells them: ``plan``
    gives each step's (planned start, started, done). The steps have no statutory period, so
    the layout would plan them a working day apart (a week for all six); the demo records the
    plan the story implies instead, and no due date (none is set by law)."""
    steps = dict(enumerate(plan, start=1))
    return _lay_stages(
        project,
        project.started_on,
        {order: when[1:] for order, when in steps.items()},
        planned={order: when[0] for order, when in steps.items()},
    )


#: The cited texts the templates name and the day each took effect, for the demo's stages done
#: before some of them: 《土地管理法实施条例》 as revised in 2021 (State Council order 743,
#: in force 2021-09-01), 《广东省土地管理条例》 (adopted 2022-06-01, in force 2022-08-01) and
#: 《农村集体经济组织法》 (the vote rules' date). "土地管理法实施条例" names the regulations in
#: the template's summary; the steps cite them as "实施条例".
_IN_FORCE = {
    "实施条例": date(2021, 9, 1),
    "广东省土地管理条例": date(2022, 8, 1),
    "农村集体经济组织法": voting.get_rule(voting.MEMBER_ASSEMBLY).citation.in_force,
}
#: What a land-acquisition step done before both texts cites when nothing else is left:
#: the 2019 Land Administration Law (in force 2020-01-01), whose article 47 sets out the whole
#: procedure before approval and the announcement after it.
_ACQUISITION_LAW = "土地管理法第47条"


def _basis_in_force(basis: str, day: date | None) -> str:
    """A stage's legal basis citing only the texts in force on ``day`` (its start, or its
    planned start): the demo's 2021 acquisition was done under the 2019 law before the 2021
    regulations and the 2022 Guangdong regulations existed, and its votes of 2017–2021 were
    held under the law then in force, as their rules say. A step left with no citation cites
    the law's article 47 when it is an acquisition step (it cited the regulations)."""
    if day is None:
        return basis
    parts = basis.split("；")
    kept = [
        part
        for part in parts
        if not any(text in part and day < in_force for text, in_force in _IN_FORCE.items())
    ]
    if not kept and any(part.startswith("实施条例") for part in parts):
        kept = [_ACQUISITION_LAW]
    return "；".join(kept)


def _visit(ctx, case, day, stance, workers, branch, follow_up=None, place=None, concerns=()):
    rng = ctx.rng
    visitors = rng.sample(workers, min(len(workers), rng.choice((1, 2, 2, 3))))
    visit = Visit(
        case=case,
        project_id=case.project_id,
        village_id=case.household.cooperative.village_id,
        visited_on=day,
        stance=stance,
        branch=branch,
        place=place or rng.choice(["home", "home", "home", "workplace", "phone"]),
        concerns=list(concerns),
        next_follow_up_on=follow_up,
        recorded_by=visitors[0],
        recorded_at=_evening(day),
        notes=rng.choice(
            [
                "讲解补偿标准与安置方案。",
                "了解家庭意见，答疑解惑。",
                "对方外出务工，约定再访。",
                "到工作地方面谈。",
                "介绍项目改造后片区环境变化。",
                "",
            ]
        ),
    )
    return visit, visitors


def _save_visits(pairs):
    Visit.objects.bulk_create([v for v, _ in pairs])
    through = Visit.visitors.through
    through.objects.bulk_create(
        [through(visit_id=v.pk, user_id=u.pk) for v, users in pairs for u in users]
    )


def _finish_cases(cases, final, completed_on=None):
    for case in Case.objects.filter(pk__in=[c.pk for c in cases]):
        services.case_refresh_visits(case=case)
        outcome, signed = final.get(case.pk, (None, None))
        if outcome == "signed":
            case.status = Case.Status.SIGNED
            case.agreement_signed_on = signed
            case.compensation_yuan = (case.affected_mu * Decimal("126000")).quantize(Decimal("1"))
            if completed_on:
                case.status = Case.Status.COMPLETED
                case.completed_on = max(completed_on, signed)
            case.save(
                update_fields=["status", "agreement_signed_on", "compensation_yuan", "completed_on"]
            )


def _completed(ctx, project, households, *, first_visit, days, signed, completed_on, path):
    """The cases of a completed project: a first visit ``first_visit`` + 0…``days`` days,
    then the rest of ``path(rng)``'s stances a fortnight to six weeks apart; signed within
    ``signed`` (first, last day: after the vote, by the end of 民筹); completed on
    ``completed_on``."""
    rng = ctx.rng
    key = project.villages.get().name
    workers, branch = ctx.workers[key], ctx.branches[key]
    cases = _enrol(project, households)
    pairs, final = [], {}
    for case in cases:
        day = first_visit + timedelta(days=rng.randint(0, days))
        for stance in path(rng):
            pairs.append(_visit(ctx, case, day, stance, workers, branch))
            day += timedelta(days=rng.randint(15, 40))
        first, last = signed
        final[case.pk] = ("signed", first + timedelta(days=rng.randint(0, (last - first).days)))
    _save_visits(pairs)
    _finish_cases(cases, final, completed_on=completed_on)
