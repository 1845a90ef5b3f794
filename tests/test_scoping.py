from cases.models import Case, Household, Project, Village, Visit, Vote

from .factories import CaseFactory, HouseholdFactory, ProjectFactory, VoteFactory


def test_a_cadre_sees_only_their_villages(cadre_yannan, yannan_coop, zhennan_coop, zhennan):
    mine = HouseholdFactory(cooperative=yannan_coop)
    theirs = HouseholdFactory(cooperative=zhennan_coop)
    assert list(Household.objects.visible_to(cadre_yannan)) == [mine]
    assert theirs not in Household.objects.visible_to(cadre_yannan)
    assert list(Village.objects.visible_to(cadre_yannan)) == [yannan_coop.village]
    VoteFactory(village=zhennan)
    assert not Vote.objects.visible_to(cadre_yannan).exists()


def test_projects_are_visible_through_any_covered_village(cadre_yannan, yannan, zhennan):
    shared = ProjectFactory(villages=[yannan, zhennan])
    ProjectFactory(villages=[zhennan])
    assert list(Project.objects.visible_to(cadre_yannan)) == [shared]


def test_cases_and_visits_follow_the_household(cadre_yannan, yannan_coop, zhennan_coop, staff):
    from datetime import date

    from cases.services import visit_record

    mine = CaseFactory(household=HouseholdFactory(cooperative=yannan_coop))
    other = CaseFactory(household=HouseholdFactory(cooperative=zhennan_coop))
    visit_record(case=other, recorded_by=staff, visited_on=date(2021, 4, 4))
    assert list(Case.objects.visible_to(cadre_yannan)) == [mine]
    assert not Visit.objects.visible_to(cadre_yannan).exists()
    assert Visit.objects.visible_to(staff).count() == 1


def test_township_wide_roles_see_everything(staff, leader, superuser, yannan_coop, zhennan_coop):
    HouseholdFactory(cooperative=yannan_coop)
    HouseholdFactory(cooperative=zhennan_coop)
    for user in (staff, leader, superuser):
        assert Household.objects.visible_to(user).count() == 2


def test_anonymous_and_inactive_users_see_nothing(cadre_yannan, yannan_coop):
    from django.contrib.auth.models import AnonymousUser

    HouseholdFactory(cooperative=yannan_coop)
    assert not Household.objects.visible_to(AnonymousUser()).exists()
    cadre_yannan.is_active = False
    assert not Household.objects.visible_to(cadre_yannan).exists()
