"""The projects of the seed report, one function each: the Yannan acquisition, Zhennan's
consolidation, the Nanyang 工改商, Heqing's land development and 英明工业园（金星马）."""

from datetime import date, timedelta

from .. import voting
from ..models import (
    Meeting,
    Project,
    Vote,
)
from .ballots import _certified_vote, _in_order
from .fieldwork import (
    _completed,
    _enrol,
    _finish_cases,
    _lay_stages,
    _project,
    _save_visits,
    _visit,
)
from .people import (
    ORGAN_BRANCH,
    VILLAGES,
)

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
    )
    _lay_stages(project, date(2021, 1, 11), YANNAN_STEPS, {3: YANNAN_EARLY_REASON})
    workers = ctx.workers["烟南村"] + ctx.workers[ORGAN_BRANCH]
    branch = ctx.branches["烟南村"]
    cases = _enrol(project, [hh for c in coops for hh in households[c]])
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


#: 镇南村's rule in 2020. The collective members' assembly preset cites 《农村集体经济组织法》
#: (in force 2025-05-01), so the vote is recorded under a custom rule: Foshan's practice of
#: counting approval against all shareholders, with the basis as the township would record it.
ZHENNAN_RULE = {
    "custom_quorum_num": 2,
    "custom_quorum_den": 3,
    "custom_quorum_inclusive": True,
    "custom_approval_num": 2,
    "custom_approval_den": 3,
    "custom_approval_inclusive": True,
    "custom_approval_denominator": Vote.ApprovalDenominator.ELIGIBLE,
    "custom_citation": (
        "《村民委员会组织法》第二十四条；镇南村股份合作经济联合社章程：土地整理实施和收益方案"
        "须经全体股东三分之二以上同意，赞成率按全体股东计算。（演示数据）"
    ),
}


def _zhennan(ctx, households):
    """镇南村's consolidation, 2020–2021: party members' meetings and visits in the summer, the
    shareholders' vote in September passed with 100% approval, agreements in the autumn, the
    land handed over in 2021."""
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
        six_steps=[
            (date(2020, 6, 1), date(2020, 6, 1), date(2020, 6, 9)),
            (date(2020, 6, 10), date(2020, 6, 10), date(2020, 8, 31)),
            (date(2020, 9, 1), date(2020, 9, 1), date(2020, 9, 8)),  # the vote, certified 9-8
            (date(2020, 9, 9), date(2020, 9, 9), date(2020, 11, 30)),
            (date(2020, 12, 1), date(2020, 12, 1), date(2021, 9, 1)),
            (date(2021, 9, 2), date(2021, 9, 2), date(2021, 9, 30)),
        ],
    )
    workers, branch = ctx.workers["镇南村"], ctx.branches["镇南村"]
    cases = _enrol(project, [hh for c in coops for hh in households[c]])
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
    _certified_vote(
        ctx,
        workers,
        choose=lambda i: "for",
        days=7,
        project=project,
        subject="临港产业土地整理实施和收益方案",
        subject_kind=voting.CONSOLIDATION_PLAN,
        village=ctx.villages["镇南村"],
        rule_code=Vote.Rule.CUSTOM,
        basis=Vote.Basis.MEMBER,
        only_shareholders=True,
        opens_on=date(2020, 9, 1),
        closes_on=date(2020, 9, 7),
        **ZHENNAN_RULE,
    )
    return project


def _nanyang(ctx, households):
    """村尾工业园南洋地块“工改商”: two years, 300+ visits, every opposed household ≥ 3 visits.

    Proposed in March 2019; deliberated (the policy Q&A, the visits) until the end of 2020
    instead of the year planned; 村尾经济社 voted in January 2021 and signed the
    《土地前期整理方案和协议》 in March; the rebuilding has been under way since May 2021."""
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
        six_steps=[
            (date(2019, 3, 1), date(2019, 3, 1), date(2019, 3, 8)),
            (date(2019, 3, 11), date(2019, 3, 11), date(2021, 1, 15)),
            (date(2020, 1, 6), date(2021, 1, 16), date(2021, 1, 23)),  # the vote, certified 1-23
            (date(2020, 2, 3), date(2021, 1, 25), date(2021, 4, 30)),
            (date(2020, 5, 6), date(2021, 5, 6), None),
            (date(2022, 5, 5), None, None),
        ],
    )
    workers, branch = ctx.workers["英明社区"], ctx.branches["英明社区"]
    cases = _enrol(project, households["村尾经济社"])
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
    _certified_vote(
        ctx,
        workers,
        choose=_in_order(["for"] * 61 + ["against"] * 4 + ["abstain"] * 3),
        days=5,
        project=project,
        subject="《土地前期整理方案和协议》",
        subject_kind=voting.CONSOLIDATION_PLAN,
        village=ctx.villages["英明社区"],
        cooperative=ctx.coops["村尾经济社"],
        meeting=meeting,
        rule_code=Vote.Rule.GROUP_MEETING,
        basis=Vote.Basis.HOUSEHOLD,
        only_adults=False,
        opens_on=date(2021, 1, 16),
        closes_on=date(2021, 1, 22),
    )
    return project


def _heqing(ctx, households):
    """河清社区's land development, 2017–2019: visits in the spring of 2017, the villagers'
    meeting's vote in July (invented: the report does not tell it), agreements until November,
    the land developed by October 2019."""
    coops = ["桂花经济社", "河滨经济社"]
    project = _project(
        ctx,
        "临港国际产业社区（河清片区）土地开发提升",
        Project.Kind.CONSOLIDATION,
        Project.Status.COMPLETED,
        ["河清社区"],
        coops,
        "322.00",
        date(2017, 3, 1),
        date(2019, 12, 20),
        "2017年至2019年河清社区党委盘活土地资源。",
        six_steps=[
            (date(2017, 3, 1), date(2017, 3, 1), date(2017, 3, 24)),
            (date(2017, 3, 27), date(2017, 3, 27), date(2017, 7, 14)),
            (date(2017, 7, 15), date(2017, 7, 15), date(2017, 7, 22)),  # the vote
            (date(2017, 7, 24), date(2017, 7, 24), date(2017, 11, 30)),
            (date(2017, 12, 1), date(2017, 12, 1), date(2019, 10, 31)),
            (date(2019, 11, 1), date(2019, 11, 1), date(2019, 12, 20)),
        ],
    )
    _completed(
        ctx,
        project,
        [hh for c in coops for hh in households[c]],
        first_visit=date(2017, 3, 31),
        days=100,
        signed=(date(2017, 7, 24), date(2017, 11, 21)),
        completed_on=date(2019, 10, 31),
        path=lambda rng: ["supportive"],
    )
    village, branch = ctx.villages["河清社区"], ctx.branches["河清社区"]
    workers = ctx.workers["河清社区"]
    meeting = Meeting.objects.create(
        project=project,
        kind=Meeting.Kind.VILLAGERS,
        held_on=date(2017, 7, 15),
        place="河清社区党群服务中心",
        village=village,
        branch=branch,
        attendance=52,
        summary="村民会议表决土地开发提升方案，未到场户入户送表决票。（演示数据）",
    )
    _certified_vote(
        ctx,
        workers,
        choose=_in_order(["for"] * 57 + ["against"] * 2 + ["abstain"]),
        days=7,
        project=project,
        subject="临港国际产业社区（河清片区）土地开发提升方案（演示数据）",
        subject_kind=voting.CONSOLIDATION_PLAN,
        village=village,
        meeting=meeting,
        rule_code=Vote.Rule.VILLAGERS_MEETING,
        basis=Vote.Basis.HOUSEHOLD,
        opens_on=date(2017, 7, 15),
        closes_on=date(2017, 7, 21),
    )


def _jinxingma(ctx, households):
    """英明工业园（金星马）, 2018–2020: the 九江机关第六党支部's meeting and the policy Q&A in
    the spring of 2018, households who did not understand or support it at first visited
    again, 金星 and 马岗经济社 voting in October (invented), the old factories pulled down and
    rebuilt by August 2020."""
    coops = ["金星经济社", "马岗经济社"]
    project = _project(
        ctx,
        "英明工业园（金星马）升级改造",
        Project.Kind.PARK_RENOVATION,
        Project.Status.COMPLETED,
        ["英明社区"],
        coops,
        "145.60",
        date(2018, 4, 1),
        date(2020, 10, 31),
        "原有厂房全部拆除重建，兴建高标准现代化厂房；九江“三旧”改造示范标杆。",
        six_steps=[
            (date(2018, 4, 1), date(2018, 4, 2), date(2018, 4, 27)),
            (date(2018, 5, 2), date(2018, 5, 2), date(2018, 10, 12)),
            (date(2018, 9, 3), date(2018, 10, 13), date(2018, 10, 20)),  # the votes
            (date(2018, 10, 8), date(2018, 10, 22), date(2018, 12, 28)),
            (date(2019, 1, 2), date(2019, 1, 2), date(2020, 8, 31)),
            (date(2020, 9, 1), date(2020, 9, 1), date(2020, 10, 31)),
        ],
    )

    def path(rng):
        """ "遇到村民的不理解、不支持": some undecided, a few opposed, before supporting."""
        first = rng.random()
        if first < 0.08:
            return ["opposed", "undecided", "supportive"]
        return ["undecided", "supportive"] if first < 0.35 else ["supportive"]

    _completed(
        ctx,
        project,
        [hh for c in coops for hh in households[c]],
        first_visit=date(2018, 5, 7),
        days=60,
        signed=(date(2018, 10, 22), date(2018, 12, 21)),
        completed_on=date(2020, 8, 31),
        path=path,
    )
    village, branch = ctx.villages["英明社区"], ctx.branches["英明社区"]
    Meeting.objects.create(
        project=project,
        kind=Meeting.Kind.POLICY_QA,
        held_on=date(2018, 6, 9),
        place="英明社区党群服务中心",
        village=village,
        branch=branch,
        attendance=72,
        summary="村级工业园改造相关政策答疑会。",
    )
    Meeting.objects.create(
        project=project,
        kind=Meeting.Kind.CADRES,
        held_on=date(2018, 5, 3),
        place="九江镇城市更新办",
        branch=ctx.branches[ORGAN_BRANCH],
        attendance=18,
        summary="九江机关第六党支部召开土地整理会议，推进“三旧”改造。",
    )
    workers = ctx.workers["英明社区"]
    for coop, choices in [
        ("金星经济社", ["for"] * 25 + ["against"]),
        ("马岗经济社", ["for"] * 22 + ["abstain"]),
    ]:
        _certified_vote(
            ctx,
            workers[2:],
            choose=_in_order(choices),
            days=7,
            project=project,
            subject=f"{coop}英明工业园（金星马）升级改造方案（演示数据）",
            subject_kind=voting.GENERAL,
            village=village,
            cooperative=ctx.coops[coop],
            rule_code=Vote.Rule.GROUP_MEETING,
            basis=Vote.Basis.HOUSEHOLD,
            opens_on=date(2018, 10, 13),
            closes_on=date(2018, 10, 19),
        )
