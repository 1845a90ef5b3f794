"""factory_boy factories: tests build their data in code."""

import random
from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cases import models, roles
from cases.validators import id_number_check_char


def make_id_number(n: int, birth: date = date(1980, 5, 17)) -> str:
    first17 = f"440605{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + id_number_check_char(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        self.save()  # also stores the password set above (force_login checks its hash)


class TownshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Township
        django_get_or_create = ["name"]

    name = "九江镇"


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Village
        django_get_or_create = ["township", "name"]

    township = factory.SubFactory(TownshipFactory)
    name = factory.Sequence(lambda n: f"测试村{n}")


class CooperativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Cooperative
        django_get_or_create = ["village", "name"]

    village = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"第{n}经济社")


class PartyBranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PartyBranch
        django_get_or_create = ["township", "name"]

    township = factory.SubFactory(TownshipFactory)
    name = factory.Sequence(lambda n: f"第{n}党支部")


class StaffProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.StaffProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)

    @factory.post_generation
    def villages(self, create, extracted, **kwargs):
        if create and extracted:
            self.villages.set(extracted)


def township_staff(**kwargs):
    """A member of township staff, who works in every village: someone a visit anywhere can
    be credited to (``services.visit_check_visitors``)."""
    user = UserFactory(role=roles.TOWNSHIP_STAFF, **kwargs)
    StaffProfileFactory(user=user)
    return user


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Household

    cooperative = factory.SubFactory(CooperativeFactory)
    number = factory.Sequence(lambda n: f"{n:04d}")
    head_name = factory.Sequence(lambda n: f"户主{n}")
    head_id_number = factory.Sequence(make_id_number)
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    contracted_mu = Decimal("1.50")
    member_count = 3


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Member

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Sequence(lambda n: f"成员{n}")
    birth_date = date(1980, 1, 1)
    is_shareholder = True
    shares = Decimal("1")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Project
        skip_postgeneration_save = True

    township = factory.SubFactory(TownshipFactory)
    name = factory.Sequence(lambda n: f"测试项目{n}")
    kind = models.Project.Kind.ACQUISITION
    status = models.Project.Status.ACTIVE
    started_on = date(2021, 1, 1)

    @factory.post_generation
    def villages(self, create, extracted, **kwargs):
        if create and extracted:
            self.villages.set(extracted)


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Case

    project = factory.SubFactory(ProjectFactory)
    household = factory.SubFactory(HouseholdFactory)
    affected_mu = Decimal("1.00")


class VoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Vote

    subject = "《土地前期整理方案和协议》"
    village = factory.SubFactory(VillageFactory)
    rule_code = models.Vote.Rule.GROUP_MEETING
    basis = models.Vote.Basis.HOUSEHOLD
    opens_on = date(2021, 1, 16)
    closes_on = date(2021, 1, 22)


class VoterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Voter

    vote = factory.SubFactory(VoteFactory)
    household = factory.SubFactory(HouseholdFactory)
    name = factory.LazyAttribute(lambda o: o.household.head_name)


def random_rng(seed=1):
    return random.Random(seed)


def default_templates() -> None:
    """The default procedure templates as the data migration writes them (again, if a
    transactional test flushed them)."""
    import importlib

    from django.apps import apps

    if models.ProcedureTemplate.objects.exists():
        return
    migration = importlib.import_module(
        "cases.migrations.0002_procedures_templates_stages_evidence"
    )
    migration.create_default_templates(apps, None)


def acquisition_project(*, start: date, villages=(), **kwargs) -> models.Project:
    """A land acquisition whose stages are laid out from the default template."""
    from cases.services import project_lay_out_stages

    default_templates()
    project = ProjectFactory(started_on=start, villages=list(villages), **kwargs)
    project_lay_out_stages(project=project, start=start)
    return project


def cases_with_statuses(project: models.Project, village, **counts: int) -> None:
    """``counts`` maps a Case.Status value to how many cases of the project have it."""
    coop = CooperativeFactory(village=village)
    closed = [models.Case.Status.SIGNED, models.Case.Status.COMPLETED]
    for status, n in counts.items():
        for _i in range(n):
            CaseFactory(
                project=project,
                household=HouseholdFactory(cooperative=coop),
                status=status,
                agreement_signed_on=date(2025, 1, 6) if status in closed else None,
                completed_on=date(2025, 3, 3) if status == models.Case.Status.COMPLETED else None,
            )


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Stage

    project = factory.SubFactory(ProjectFactory)
    order = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"阶段{n}")


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Meeting

    project = factory.SubFactory(ProjectFactory)
    kind = models.Meeting.Kind.POLICY_QA
    held_on = date(2021, 1, 10)
    attendance = 40
    summary = "政策答疑会"


def households_with_heads(cooperative, n: int, *, members_each: int = 0):
    """``n`` households of a cooperative in two bulk inserts (large rolls for query budgets);
    with ``members_each``, adult shareholder members too (the first is the head)."""
    start = models.Household.objects.count()
    models.Household.objects.bulk_create(
        models.Household(
            cooperative=cooperative,
            number=f"H{start + i:04d}",
            head_name=f"户主{start + i}",
        )
        for i in range(n)
    )
    households = list(models.Household.objects.filter(cooperative=cooperative).order_by("pk"))
    if members_each:
        models.Member.objects.bulk_create(
            models.Member(
                household=hh,
                name=hh.head_name if j == 0 else f"{hh.head_name}之{j}",
                relation=models.Member.Relation.HEAD if j == 0 else models.Member.Relation.CHILD,
                birth_date=date(1970 + j, 1, 1),
                is_shareholder=True,
                shares=Decimal("1"),
            )
            for hh in households
            for j in range(members_each)
        )
    return households


class BallotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Ballot

    voter = factory.SubFactory(VoterFactory)
    vote = factory.LazyAttribute(lambda o: o.voter.vote)
    choice = models.Ballot.Choice.FOR
    cast_on = date(2021, 1, 18)
    recorded_by = factory.SubFactory(UserFactory)


def bulk_cases(project, cooperative, n: int, *, recorder, start: int = 0, today=None):
    """``n`` households of ``cooperative`` with a case in ``project`` and a visit each, written
    with bulk_create (for query budgets at 1,000 households). Statuses cycle through the
    pipeline; every third case has an overdue follow-up. Returns the cases."""
    from datetime import timedelta

    from django.utils import timezone

    today = today or timezone.localdate()
    households = models.Household.objects.bulk_create(
        models.Household(
            cooperative=cooperative,
            number=f"B{start + i:05d}",
            head_name=f"批量户主{start + i}",
            head_id_number=make_id_number(start + i),
        )
        for i in range(n)
    )
    statuses = [
        ("opposed", "opposed"),
        ("undecided", "undecided"),
        ("supportive", "supportive"),
        ("signed", "supportive"),
        ("completed", "supportive"),
        ("not_contacted", "unknown"),
    ]
    cases = []
    for i, household in enumerate(households):
        status, stance = statuses[i % len(statuses)]
        visited = status != "not_contacted"
        cases.append(
            models.Case(
                project=project,
                household=household,
                status=status,
                stance=stance,
                affected_mu=Decimal("1.25"),
                agreement_signed_on=today - timedelta(days=20)
                if status in ("signed", "completed")
                else None,
                completed_on=today - timedelta(days=10) if status == "completed" else None,
                visit_count=1 if visited else 0,
                last_visit_on=today - timedelta(days=i * 7 % 50) if visited else None,
                next_follow_up_on=today - timedelta(days=1) if i % 3 == 0 else None,
            )
        )
    cases = models.Case.objects.bulk_create(cases)
    visits = models.Visit.objects.bulk_create(
        models.Visit(
            case=case,
            project_id=case.project_id,
            village_id=cooperative.village_id,
            visited_on=case.last_visit_on,
            stance=case.stance,
            recorded_by=recorder,
            next_follow_up_on=None,
        )
        for case in cases
        if case.visit_count
    )
    models.Visit.visitors.through.objects.bulk_create(
        models.Visit.visitors.through(visit_id=v.pk, user_id=recorder.pk) for v in visits
    )
    return cases
