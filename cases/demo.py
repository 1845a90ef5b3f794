"""The demo data: Jiujiang town's land-consolidation work as told by the seed news report.

Names of the town, its villages and communities, party organisations, 村尾经济社 and the
projects are real (``shared/seed``). Every household, person, ID number, phone number,
cooperative other than 村尾经济社, area and amount is INVENTED, generated deterministically
from a fixed random seed; each household's notes say so.

``build()`` writes it to the database; ``build_demo_fixture`` dumps it to
``fixtures/demo.json``, which ``load_demo`` (``make run``) loads with ``loaddata``.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from . import services, tallies
from .models import (
    Ballot,
    Case,
    Cooperative,
    Household,
    Meeting,
    Member,
    PartyBranch,
    Project,
    StaffProfile,
    Stage,
    Township,
    Village,
    Visit,
    Vote,
    Voter,
)
from .validators import id_number_check_char

INVENTED = "演示数据：住户与人物均为虚构。Demo data: this household and its people are invented."
SEED = 2021
NANHAI_REGION = "440605"  # 佛山市南海区 administrative division code

SURNAMES = "关梁陈黄李何潘冯岑朱吴张罗麦区谭曾邓林郭".replace("", " ").split()
GIVEN = "志伟嘉明丽华家俊秀英国强少玲永健美珍建新惠芳锦荣淑仪子健振东绮雯润生".replace(
    "", " "
).split()

#: (village, kind, party organisation, cooperatives with household counts)
VILLAGES = [
    (
        "烟南村",
        Village.Kind.VILLAGE,
        "烟南村党委",
        [
            ("东头经济社", 95),
            ("西头经济社", 90),
            ("南便经济社", 88),
            ("北便经济社", 84),
            ("大围经济社", 86),
            ("新基经济社", 80),
        ],
    ),
    (
        "镇南村",
        Village.Kind.VILLAGE,
        "镇南村党委",
        [
            ("上沙经济社", 42),
            ("中沙经济社", 40),
            ("下沙经济社", 38),
        ],
    ),
    ("河清社区", Village.Kind.COMMUNITY, "河清社区党委", [("桂花经济社", 34), ("河滨经济社", 30)]),
    (
        "英明社区",
        Village.Kind.COMMUNITY,
        "英明社区党委",
        [
            ("村尾经济社", 72),
            ("金星经济社", 28),
            ("马岗经济社", 24),
        ],
    ),
]
ORGAN_BRANCH = "九江机关第六党支部"

#: The Yannan acquisition's statutory steps as done (template order → started, done), 2021.
#: Step 3's results were shown 9 working days, not 10 (2021-02-20 is a make-up Saturday):
#: finished early with a recorded reason, which the procedure page flags.
YANNAN_STEPS = {
    1: (date(2021, 1, 11), date(2021, 1, 15)),
    2: (date(2021, 1, 18), date(2021, 2, 1)),
    3: (date(2021, 2, 3), date(2021, 2, 20)),
    4: (date(2021, 2, 22), date(2021, 3, 5)),
    5: (date(2021, 3, 8), date(2021, 3, 12)),
    6: (date(2021, 3, 15), date(2021, 4, 14)),
    9: (date(2021, 4, 15), date(2021, 4, 30)),
    10: (date(2021, 5, 6), date(2021, 7, 20)),
    11: (date(2021, 7, 21), date(2021, 7, 30)),
    12: (date(2021, 8, 2), date(2021, 9, 15)),
    13: (date(2021, 9, 16), date(2021, 9, 24)),
    14: (date(2021, 9, 24), date(2021, 10, 13)),
    15: (date(2021, 10, 14), date(2021, 11, 5)),
    16: (date(2021, 10, 14), date(2021, 12, 20)),
    17: (date(2021, 12, 21), None),
}
YANNAN_EARLY_REASON = (
    "公示第9个工作日，全部权属人已签字确认调查结果，经镇政府同意提前结束公示。（演示数据）"
)


@dataclass
class _Ctx:
    rng: random.Random
    township: Township
    villages: dict
    coops: dict
    branches: dict
    workers: dict  # village name (or organ) -> [users]


def _name(rng: random.Random, surname: str | None = None) -> str:
    return (surname or rng.choice(SURNAMES)) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))


def _id_number(rng: random.Random, birth: date) -> str:
    first17 = f"{NANHAI_REGION}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_number_check_char(first17)


def _birth(rng: random.Random, lo: int, hi: int) -> date:
    return date(rng.randint(lo, hi), rng.randint(1, 12), rng.randint(1, 28))


def _evening(day: date) -> datetime:
    return datetime.combine(day, time(19), timezone.get_current_timezone())


def _geography(rng: random.Random) -> _Ctx:
    town = Township.objects.create(name="九江镇", district="南海区", city="佛山市")
    ctx = _Ctx(rng, town, {}, {}, {}, {})
    for vname, kind, branch_name, coops in VILLAGES:
        village = Village.objects.create(township=town, name=vname, kind=kind)
        ctx.villages[vname] = village
        ctx.branches[vname] = PartyBranch.objects.create(
            township=town, village=village, name=branch_name, kind=PartyBranch.Kind.COMMITTEE
        )
        for cname, _n in coops:
            ctx.coops[cname] = Cooperative.objects.create(village=village, name=cname)
    ctx.branches[ORGAN_BRANCH] = PartyBranch.objects.create(
        township=town, name=ORGAN_BRANCH, kind=PartyBranch.Kind.BRANCH
    )
    user_model = get_user_model()
    for key, prefix, count in [
        ("烟南村", "yn", 6),
        ("镇南村", "zn", 4),
        ("河清社区", "hq", 2),
        ("英明社区", "ym", 5),
        (ORGAN_BRANCH, "jg", 3),
    ]:
        ctx.workers[key] = []
        for i in range(1, count + 1):
            name = _name(rng)
            user = user_model.objects.create(
                username=f"{prefix}{i:02d}",
                first_name=name[1:],
                last_name=name[0],
                password="!demo-account-cannot-log-in",
                date_joined=_evening(date(2017, 1, 3)),
            )
            profile = StaffProfile.objects.create(
                user=user, branch=ctx.branches[key], title="党员（演示，虚构）"
            )
            if key in ctx.villages:
                profile.villages.add(ctx.villages[key])
            ctx.workers[key].append(user)
    return ctx


def _households(ctx: _Ctx) -> dict:
    """Households with 2–6 members each, per cooperative; returns {coop name: [households]}."""
    rng = ctx.rng
    result = {}
    for _v, _k, _b, coops in VILLAGES:
        for cname, count in coops:
            coop = ctx.coops[cname]
            households = []
            for i in range(1, count + 1):
                surname = rng.choice(SURNAMES)
                head_birth = _birth(rng, 1945, 1985)
                head = _name(rng, surname)
                size = rng.randint(2, 6)
                households.append(
                    Household(
                        cooperative=coop,
                        number=f"{i:03d}",
                        head_name=head,
                        head_id_number=_id_number(rng, head_birth),
                        phone=f"13{rng.randint(0, 9)}{rng.randrange(10**8):08d}",
                        address=f"{coop.village.name}{cname[:-3]}坊{rng.randint(1, 60)}号",
                        member_count=size,
                        contracted_mu=Decimal(rng.randint(50, 400)) / 100,
                        notes=INVENTED,
                    )
                )
            Household.objects.bulk_create(households)
            households = list(Household.objects.filter(cooperative=coop).order_by("number"))
            members = []
            for hh in households:
                shareholders = 0
                for j in range(hh.member_count):
                    if j == 0:
                        name, rel, birth = hh.head_name, Member.Relation.HEAD, None
                    elif j == 1:
                        name, rel, birth = (
                            _name(rng),
                            Member.Relation.SPOUSE,
                            _birth(rng, 1950, 1988),
                        )
                    else:
                        name, rel, birth = (
                            _name(rng, hh.head_name[0]),
                            Member.Relation.CHILD,
                            _birth(rng, 1975, 2015),
                        )
                    if j == 0:
                        id_number = hh.head_id_number
                        birth = date(
                            int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])
                        )
                    else:
                        id_number = _id_number(rng, birth)
                    shareholder = birth.year <= 2003 or rng.random() < 0.3
                    shareholders += shareholder
                    members.append(
                        Member(
                            household=hh,
                            name=name,
                            relation=rel,
                            birth_date=birth,
                            id_number=id_number,
                            is_collective_member=True,
                            is_shareholder=shareholder,
                            shares=Decimal(rng.choice((1, 1, 1.5, 2))) if shareholder else 0,
                            is_villager_representative=(j == 0 and rng.random() < 0.08),
                            is_member_representative=(j == 0 and rng.random() < 0.1),
                        )
                    )
                hh.shareholder_count = shareholders
            Member.objects.bulk_create(members)
            Household.objects.bulk_update(households, ["shareholder_count"])
            result[cname] = households
    return result


def _project(ctx, name, kind, status, villages, coops, area, start, end, description, stages):
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
    return project


def _lay_stages(project, start: date, actual: dict, reasons: dict | None = None):
    """Stages from the kind's default template, planned from ``start``, with what was done:
    ``actual`` maps a step's order to (started, done or None)."""
    stages = services.project_lay_out_stages(project=project, start=start)
    reasons = reasons or {}
    for stage in stages:
        stage.started_on, stage.done_on = actual.get(stage.order, (None, None))
        stage.early_reason = reasons.get(stage.order, "")
    Stage.objects.bulk_update(stages, ["started_on", "done_on", "early_reason"])


def _lay_six_steps(project, spans: list[int], done_upto: int):
    """The six steps from the project's start, ``spans`` days each; the first ``done_upto``
    are done and the next one is under way."""
    actual, day = {}, project.started_on
    for order, span in enumerate(spans, start=1):
        if order <= done_upto:
            actual[order] = (day, day + timedelta(days=span))
        elif order == done_upto + 1:
            actual[order] = (day, None)
        day += timedelta(days=span + 1)
    _lay_stages(project, project.started_on, actual)


def _visit(ctx, case, day, stance, workers, branch, follow_up=None, place=None, concerns=()):
    rng = ctx.rng
    visitors = rng.sample(workers, min(len(workers), rng.choice((1, 2, 2, 3))))
    visit = Visit(
        case=case,
        project_id=case.project_id,
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


def _yannan(ctx, households):
    rng = ctx.rng
    coops = [c for c, _n in VILLAGES[0][3]]
    project = _project(
        ctx,
        "临港国际产业社区（烟南片区）土地征收",
        Project.Kind.ACQUISITION,
        Project.Status.ACTIVE,
        ["烟南村"],
        coops,
        "1286.50",
        date(2021, 1, 11),
        None,
        "2021年烟南村党委“快、稳、准”完成500多户征地工作。",
        None,
    )
    _lay_stages(project, date(2021, 1, 11), YANNAN_STEPS, {3: YANNAN_EARLY_REASON})
    workers = ctx.workers["烟南村"] + ctx.workers[ORGAN_BRANCH]
    branch = ctx.branches["烟南村"]
    cases = Case.objects.bulk_create(
        [
            Case(project=project, household=hh, affected_mu=hh.contracted_mu)
            for c in coops
            for hh in households[c]
        ]
    )
    pairs = []
    final = {}
    for i, case in enumerate(cases):
        # 清明节 2021: every household visited while migrant workers were home.
        first = rng.choice(["supportive"] * 6 + ["undecided"] * 3 + ["opposed"])
        pairs.append(
            _visit(
                ctx,
                case,
                date(2021, 4, rng.choice((3, 4, 5))),
                first,
                workers,
                branch,
                concerns=rng.sample(
                    ["compensation", "resettlement", "boundaries", "graves"], rng.randint(0, 2)
                ),
            )
        )
        stance = first
        day = date(2021, 4, 12)
        if i % 53 == 7:  # holdouts still open
            final[case.pk] = ("opposed", None)
            if i % 2:
                pairs.append(
                    _visit(
                        ctx,
                        case,
                        date(2021, 5, 20),
                        "opposed",
                        workers,
                        branch,
                        follow_up=date(2021, 6, 15),
                        concerns=["compensation"],
                    )
                )
            continue
        if i % 61 == 11:
            final[case.pk] = ("undecided", None)
            pairs.append(
                _visit(
                    ctx,
                    case,
                    date(2021, 5, 8),
                    "undecided",
                    workers,
                    branch,
                    follow_up=date(2021, 5, 30),
                    concerns=["resettlement"],
                )
            )
            continue
        while stance != "supportive":
            day += timedelta(days=rng.randint(3, 12))
            stance = rng.choice(["undecided", "supportive", "supportive"])
            pairs.append(_visit(ctx, case, day, stance, workers, branch))
        final[case.pk] = ("signed", date(2021, 5, 10) + timedelta(days=rng.randint(0, 70)))
    _save_visits(pairs)
    return project, cases, final


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


def _roll_and_ballots(ctx, vote, *, choose, opener, recorder, certifier, days):
    """Open the vote (the services freeze its roll), enter the ballots day by day from the
    sheet, close and certify it; then date the steps back to the story's days."""
    vote = services.vote_open(vote=vote, user=opener)
    voters = list(Voter.objects.filter(vote=vote).order_by("pk"))
    same_household = tallies.vote_rule(vote).proxy_same_household_only
    members: dict[int, list[Member]] = {}
    for m in Member.objects.filter(household__in={v.household_id for v in voters}):
        members.setdefault(m.household_id, []).append(m)
    by_day: dict[date, list[services.BallotEntry]] = {}
    for i, voter in enumerate(voters):
        choice = choose(i)
        if choice is None:
            continue
        method = ctx.rng.choice(["door_to_door", "door_to_door", "in_person", "proxy"])
        proxy_name, proxy_member = "", None
        if method == "proxy":
            # Drawn in every case, so that the random sequence (and the rest of the demo)
            # does not depend on the rule; a member assembly's proxy is a household member.
            proxy_name = _name(ctx.rng, voter.name[0])
            if same_household:
                others = [m for m in members[voter.household_id] if m.pk != voter.member_id]
                proxy_name, proxy_member = "", others[0].pk
        day = vote.opens_on + timedelta(days=i % days)
        by_day.setdefault(day, []).append(
            services.BallotEntry(voter.pk, choice, method, proxy_name, proxy_member)
        )
    for day, entries in sorted(by_day.items()):
        sheet = services.ballot_cast_many(vote=vote, entries=entries, cast_on=day, user=recorder)
        assert not sheet.errors, sheet.errors
        Ballot.objects.filter(vote=vote, cast_on=day).update(recorded_at=_evening(day))
    services.vote_close(vote=vote, user=recorder)
    services.vote_certify(vote=vote, user=certifier)
    tz = timezone.get_current_timezone()
    closed_at = datetime.combine(vote.closes_on, time(18), tz)
    Vote.objects.filter(pk=vote.pk).update(
        opened_at=datetime.combine(vote.opens_on, time(9), tz),
        closed_at=closed_at,
        certified_at=closed_at + timedelta(days=1),
    )


def _zhennan(ctx, households):
    rng = ctx.rng
    coops = [c for c, _n in VILLAGES[1][3]]
    project = _project(
        ctx,
        "临港国际产业社区（镇南片区）土地整理",
        Project.Kind.CONSOLIDATION,
        Project.Status.COMPLETED,
        ["镇南村"],
        coops,
        "416.80",
        date(2020, 6, 1),
        date(2021, 9, 30),
        "镇南村党委多次召开党员会议，党员入户走访，村民表决以100%赞成率通过。",
        None,
    )
    _lay_six_steps(project, [30, 60, 30, 90, 180, 30], done_upto=6)
    workers, branch = ctx.workers["镇南村"], ctx.branches["镇南村"]
    all_hh = [hh for c in coops for hh in households[c]]
    cases = Case.objects.bulk_create(
        [Case(project=project, household=hh, affected_mu=hh.contracted_mu) for hh in all_hh]
    )
    pairs, final = [], {}
    for case in cases:
        day = date(2020, 7, 1) + timedelta(days=rng.randint(0, 40))
        pairs.append(
            _visit(ctx, case, day, rng.choice(["supportive", "undecided"]), workers, branch)
        )
        pairs.append(
            _visit(
                ctx, case, day + timedelta(days=rng.randint(10, 30)), "supportive", workers, branch
            )
        )
        final[case.pk] = ("signed", date(2020, 10, 20) + timedelta(days=rng.randint(0, 30)))
    _save_visits(pairs)
    _finish_cases(cases, final, completed_on=date(2021, 9, 1))
    for day in (date(2020, 6, 10), date(2020, 7, 2), date(2020, 8, 18)):
        Meeting.objects.create(
            project=project,
            kind=Meeting.Kind.PARTY_MEMBERS,
            held_on=day,
            place="镇南村委会",
            village=ctx.villages["镇南村"],
            branch=branch,
            attendance=rng.randint(35, 60),
            summary="号召党员入户走访收集群众意见，解读土地整理实施和收益方案。",
        )
    vote = services.vote_create(
        user=workers[0],
        project=project,
        subject="临港产业土地整理实施和收益方案",
        subject_kind="consolidation_plan",
        village=ctx.villages["镇南村"],
        rule_code=Vote.Rule.MEMBER_ASSEMBLY,
        basis=Vote.Basis.MEMBER,
        only_shareholders=True,
        opens_on=date(2020, 9, 1),
        closes_on=date(2020, 9, 7),
    )
    _roll_and_ballots(
        ctx,
        vote,
        choose=lambda i: "for",
        opener=workers[0],
        recorder=workers[0],
        certifier=workers[1],
        days=7,
    )
    return project


def _nanyang(ctx, households):
    """村尾工业园南洋地块“工改商”: two years, 300+ visits, every opposed household ≥ 3 visits."""
    rng = ctx.rng
    project = _project(
        ctx,
        "英明社区村尾工业园南洋地块“工改商”",
        Project.Kind.INDUSTRIAL_TO_COMMERCIAL,
        Project.Status.ACTIVE,
        ["英明社区"],
        ["村尾经济社"],
        "58.30",
        date(2019, 3, 1),
        None,
        "历经两年多，社区党委干部、党员累计走访300多次，每个反对的村民走访不少于三次；"
        "村尾经济社表决并签订《土地前期整理方案和协议》。",
        None,
    )
    _lay_six_steps(project, [60, 420, 60, 90, 240, 60], done_upto=4)
    workers, branch = ctx.workers["英明社区"], ctx.branches["英明社区"]
    coop_hh = households["村尾经济社"]
    cases = Case.objects.bulk_create(
        [Case(project=project, household=hh, affected_mu=hh.contracted_mu) for hh in coop_hh]
    )
    pairs, final = [], {}
    for i, case in enumerate(cases):
        opposed = i % 3 == 0
        day = date(2019, 3, 10) + timedelta(days=rng.randint(0, 60))
        path = (
            ["opposed"] * rng.randint(2, 4) + ["undecided"] * rng.randint(1, 2)
            if opposed
            else ["undecided"] * rng.randint(1, 3)
        )
        path += ["supportive"] * rng.randint(1, 2)
        for stance in path:
            place = "workplace" if opposed and rng.random() < 0.4 else None
            concerns = ["tenants", "compensation"] if opposed else ["policy"]
            pairs.append(
                _visit(
                    ctx,
                    case,
                    day,
                    stance,
                    workers,
                    branch,
                    place=place,
                    concerns=rng.sample(concerns, 1),
                )
            )
            day += timedelta(days=rng.randint(20, 75))
        final[case.pk] = ("signed", date(2021, 3, 15) + timedelta(days=rng.randint(0, 20)))
    _save_visits(pairs)
    _finish_cases(cases, final)
    Meeting.objects.create(
        project=project,
        kind=Meeting.Kind.POLICY_QA,
        held_on=date(2019, 5, 18),
        place="英明社区党群服务中心",
        village=ctx.villages["英明社区"],
        branch=branch,
        attendance=86,
        summary="村级工业园改造相关政策答疑会：解答“工改商”补偿、租户安置等疑问。",
    )
    meeting = Meeting.objects.create(
        project=project,
        kind=Meeting.Kind.COOPERATIVE,
        held_on=date(2021, 1, 16),
        place="村尾经济社祠堂",
        village=ctx.villages["英明社区"],
        branch=branch,
        attendance=64,
        summary="村尾经济社表决《土地前期整理方案和协议》，未到场户入户送表决票。",
    )
    vote = services.vote_create(
        user=workers[0],
        project=project,
        subject="《土地前期整理方案和协议》",
        subject_kind="consolidation_plan",
        village=ctx.villages["英明社区"],
        cooperative=ctx.coops["村尾经济社"],
        meeting=meeting,
        rule_code=Vote.Rule.GROUP_MEETING,
        basis=Vote.Basis.HOUSEHOLD,
        only_adults=False,
        opens_on=date(2021, 1, 16),
        closes_on=date(2021, 1, 22),
    )
    choices = ["for"] * 61 + ["against"] * 4 + ["abstain"] * 3
    _roll_and_ballots(
        ctx,
        vote,
        choose=lambda i: choices[i] if i < len(choices) else None,
        opener=workers[0],
        recorder=workers[0],
        certifier=workers[1],
        days=5,
    )
    return project


def _completed_projects(ctx, households):
    rng = ctx.rng
    heqing = _project(
        ctx,
        "临港国际产业社区（河清片区）土地开发提升",
        Project.Kind.CONSOLIDATION,
        Project.Status.COMPLETED,
        ["河清社区"],
        ["桂花经济社", "河滨经济社"],
        "322.00",
        date(2017, 3, 1),
        date(2019, 12, 20),
        "2017年至2019年河清社区党委盘活土地资源。",
        None,
    )
    _lay_six_steps(heqing, [60, 120, 30, 120, 420, 60], done_upto=6)
    jinxingma = _project(
        ctx,
        "英明工业园（金星马）升级改造",
        Project.Kind.PARK_RENOVATION,
        Project.Status.COMPLETED,
        ["英明社区"],
        ["金星经济社", "马岗经济社"],
        "145.60",
        date(2018, 4, 1),
        date(2020, 10, 31),
        "原有厂房全部拆除重建，兴建高标准现代化厂房；九江“三旧”改造示范标杆。",
        None,
    )
    _lay_six_steps(jinxingma, [45, 90, 30, 90, 540, 60], done_upto=6)
    Meeting.objects.create(
        project=jinxingma,
        kind=Meeting.Kind.POLICY_QA,
        held_on=date(2018, 6, 9),
        place="英明社区党群服务中心",
        village=ctx.villages["英明社区"],
        branch=ctx.branches["英明社区"],
        attendance=72,
        summary="村级工业园改造相关政策答疑会。",
    )
    Meeting.objects.create(
        project=jinxingma,
        kind=Meeting.Kind.CADRES,
        held_on=date(2018, 5, 3),
        place="九江镇城市更新办",
        branch=ctx.branches[ORGAN_BRANCH],
        attendance=18,
        summary="九江机关第六党支部召开土地整理会议，推进“三旧”改造。",
    )
    for project, coops, key in [
        (heqing, ["桂花经济社", "河滨经济社"], "河清社区"),
        (jinxingma, ["金星经济社", "马岗经济社"], "英明社区"),
    ]:
        start = project.started_on
        cases = Case.objects.bulk_create(
            [
                Case(project=project, household=hh, affected_mu=hh.contracted_mu)
                for c in coops
                for hh in households[c]
            ]
        )
        pairs, final = [], {}
        for case in cases:
            day = start + timedelta(days=rng.randint(30, 200))
            pairs.append(_visit(ctx, case, day, "supportive", ctx.workers[key], ctx.branches[key]))
            final[case.pk] = ("signed", day + timedelta(days=rng.randint(10, 60)))
        _save_visits(pairs)
        _finish_cases(cases, final, completed_on=project.ended_on)


def build() -> None:
    """Write the whole demo to an empty database (deterministic: same seed, same data)."""
    rng = random.Random(SEED)
    ctx = _geography(rng)
    households = _households(ctx)
    project, cases, final = _yannan(ctx, households)
    _finish_cases(cases, final)
    _zhennan(ctx, households)
    _nanyang(ctx, households)
    _completed_projects(ctx, households)
    Meeting.objects.create(
        project=project,
        kind=Meeting.Kind.CADRES,
        held_on=date(2021, 1, 8),
        place="烟南村委会",
        village=ctx.villages["烟南村"],
        branch=ctx.branches["烟南村"],
        attendance=24,
        summary="召集各经济社负责人开会，详细讲解土地整理方案。",
    )
