"""The demo's town: villages, cooperatives, party organisations, field workers and the
invented households and members, drawn from the fixed random seed."""

import random
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from ..models import (
    Cooperative,
    Household,
    Member,
    PartyBranch,
    StaffProfile,
    Township,
    Village,
)
from ..validators import id_number_check_char

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


#: The day the township began keeping its cases here: the field workers' accounts were made and
#: the household roster recorded that evening.
ACCOUNTS_MADE_ON = date(2017, 1, 3)


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
                date_joined=_evening(ACCOUNTS_MADE_ON),
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
