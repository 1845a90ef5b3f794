from cases.models import Case, Household, Meeting, Project, Village, Visit, Vote

from .factories import CaseFactory, HouseholdFactory, MeetingFactory, ProjectFactory, VoteFactory


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


def test_a_meeting_of_a_shared_project_follows_its_village(
    client, cadre_yannan, staff, yannan, zhennan
):
    """A project spans both villages; 镇南村's meeting (place, summary) is 镇南村's alone."""
    from django.urls import reverse

    shared = ProjectFactory(villages=[yannan, zhennan])
    theirs = MeetingFactory(project=shared, village=zhennan, place="镇南会场", summary="镇南纪要")
    mine = MeetingFactory(project=shared, village=yannan, place="烟南会场")
    township = MeetingFactory(project=shared, village=None, place="镇政府会议室")
    assert set(Meeting.objects.visible_to(cadre_yannan)) == {mine, township}
    assert set(Meeting.objects.visible_to(staff)) == {mine, theirs, township}
    client.force_login(cadre_yannan)
    body = client.get(reverse("meeting_list", args=[shared.pk])).content.decode()
    assert "烟南会场" in body and "镇政府会议室" in body
    assert "镇南会场" not in body and "镇南纪要" not in body
    cadre_yannan.is_staff = True
    cadre_yannan.save()
    url = reverse("admin:cases_meeting_change", args=[theirs.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"place": "改了"}).status_code == 404


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
