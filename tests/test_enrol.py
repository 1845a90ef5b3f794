"""Enrolling a village's households in a project: the service, the command, the admin."""

import re
from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from cases.admin import EnrolInProjectForm
from cases.models import Case, Household, Project, Stance
from cases.services import project_enrol_households, projects as project_services

from .factories import (
    CaseFactory,
    CooperativeFactory,
    HouseholdFactory,
    ProjectFactory,
    households_with_heads,
)
from .support import ON_POSTGRESQL


@pytest.fixture
def client(english_client):
    """These tests read the pages' messages in English."""
    return english_client


@pytest.fixture
def roster(yannan_coop, zhennan_coop):
    """Three households in 烟南村's 东头经济社, two in another 烟南 cooperative, one in 镇南村."""
    other = CooperativeFactory(village=yannan_coop.village, name="西头经济社")
    return {
        "east": [HouseholdFactory(cooperative=yannan_coop) for _ in range(3)],
        "west": [HouseholdFactory(cooperative=other) for _ in range(2)],
        "west_coop": other,
        "zhennan": HouseholdFactory(cooperative=zhennan_coop, head_name="镇南户主"),
    }


def cases_of(project):
    return set(Case.objects.filter(project=project).values_list("household_id", flat=True))


def ids(households):
    return {h.pk for h in households}


# --- The service ---------------------------------------------------------------------------


def test_every_household_of_the_projects_villages_gets_a_case(yannan_project, roster, superuser):
    enrolment = project_enrol_households(project=yannan_project, by=superuser)

    assert (enrolment.created, enrolment.already) == (5, 0)
    assert cases_of(yannan_project) == ids(roster["east"] + roster["west"])
    for case in Case.objects.filter(project=yannan_project):
        assert (case.status, case.stance) == (Case.Status.NOT_CONTACTED, Stance.UNKNOWN)


def test_a_project_naming_cooperatives_enrols_only_theirs(
    yannan_project, roster, yannan_coop, superuser
):
    yannan_project.cooperatives.set([yannan_coop])

    enrolment = project_enrol_households(project=yannan_project, by=superuser)

    assert enrolment.created == 3
    assert cases_of(yannan_project) == ids(roster["east"])


def test_only_the_cooperatives_given_are_enrolled(yannan_project, roster, superuser):
    project_enrol_households(
        project=yannan_project, cooperatives=[roster["west_coop"]], by=superuser
    )
    assert cases_of(yannan_project) == ids(roster["west"])


def test_enrolling_twice_adds_only_the_missing_cases(yannan_project, roster, superuser):
    CaseFactory(project=yannan_project, household=roster["east"][0], status="opposed")

    first = project_enrol_households(project=yannan_project, by=superuser)
    second = project_enrol_households(project=yannan_project, by=superuser)

    assert (first.created, first.already) == (4, 1)
    assert (second.created, second.already) == (0, 5)
    assert Case.objects.filter(project=yannan_project).count() == 5
    assert Case.objects.get(household=roster["east"][0]).status == "opposed"


def test_households_given_are_enrolled_and_counted(yannan_project, roster, superuser):
    CaseFactory(project=yannan_project, household=roster["east"][0])

    enrolment = project_enrol_households(
        project=yannan_project, households=roster["east"], by=superuser
    )

    assert (enrolment.created, enrolment.already) == (2, 1)
    assert cases_of(yannan_project) == ids(roster["east"])


def test_households_outside_the_project_are_refused_and_nothing_is_written(
    yannan_project, roster, superuser
):
    with pytest.raises(ValidationError) as caught:
        project_enrol_households(
            project=yannan_project, households=[*roster["east"], roster["zhennan"]], by=superuser
        )

    message = caught.value.messages[0]
    assert "1 household is not in the project's villages or cooperatives" in message
    assert "镇南户主" in message and "Nothing was enrolled" in message
    assert not Case.objects.exists()


def test_a_refusal_names_the_first_five_and_counts_the_rest(yannan_project, superuser):
    far = CooperativeFactory()
    outside = [HouseholdFactory(cooperative=far, head_name=f"远户{i}") for i in range(7)]

    with pytest.raises(ValidationError) as caught:
        project_enrol_households(project=yannan_project, households=outside, by=superuser)

    message = caught.value.messages[0]
    assert message.startswith("7 households are not")
    assert "远户0" in message and "远户4" in message and "远户5" not in message
    assert "and 2 more" in message


def test_a_cooperative_the_project_does_not_cover_is_refused(
    yannan_project, roster, zhennan_coop, superuser
):
    with pytest.raises(ValidationError, match="1 cooperative is not covered .*上沙经济社"):
        project_enrol_households(
            project=yannan_project, cooperatives=[roster["west_coop"], zhennan_coop], by=superuser
        )
    assert not Case.objects.exists()


def test_a_completed_project_is_refused(yannan_project, roster, superuser):
    Project.objects.filter(pk=yannan_project.pk).update(status=Project.Status.COMPLETED)

    with pytest.raises(ValidationError, match="is completed"):
        project_enrol_households(project=yannan_project, by=superuser)
    assert not Case.objects.exists()


def test_each_case_created_has_its_history_row(yannan_project, roster, superuser):
    CaseFactory(project=yannan_project, household=roster["east"][0])
    before = Case.history.count()

    project_enrol_households(project=yannan_project, by=superuser)

    rows = Case.history.filter(history_type="+", history_user=superuser)
    assert Case.history.count() - before == 4
    assert {r.history_change_reason for r in rows} == {f"Enrolled in {yannan_project.name}"}
    assert {r.household_id for r in rows} == ids(roster["east"][1:] + roster["west"])


def test_three_hundred_households_take_a_few_queries(
    yannan_project, yannan_coop, superuser, django_assert_max_num_queries
):
    """Nine on PostgreSQL; SQLite's limit of 999 parameters a statement splits each INSERT
    of a batch into a few (Django's ``bulk_batch_size``): seventeen."""
    households_with_heads(yannan_coop, 300)

    with django_assert_max_num_queries(9 if ON_POSTGRESQL else 17):
        enrolment = project_enrol_households(project=yannan_project, by=superuser)

    assert enrolment.created == 300


def test_the_cases_are_written_in_batches(yannan_project, yannan_coop, superuser, monkeypatch):
    households_with_heads(yannan_coop, 25)
    monkeypatch.setattr(project_services, "ENROL_BATCH", 10)
    batches = []
    insert = project_services._insert
    monkeypatch.setattr(
        project_services,
        "_insert",
        lambda project, household_ids, *args: (
            batches.append(len(household_ids)) or insert(project, household_ids, *args)
        ),
    )

    enrolment = project_enrol_households(project=yannan_project, by=superuser)

    assert batches == [10, 10, 5]
    assert enrolment.created == 25 and Case.objects.count() == 25


def test_a_case_added_meanwhile_is_skipped_not_an_error(
    yannan_project, roster, superuser, monkeypatch
):
    """Another writer (the admin's add page) adds a case after the missing households were
    read: the batch meets the unique constraint, is written again without it, and the count
    says so."""
    insert = project_services._insert

    def insert_after_another_writer(project, household_ids, *args):
        CaseFactory(project=project, household_id=household_ids[0])
        return insert(project, household_ids, *args)

    monkeypatch.setattr(project_services, "_insert", insert_after_another_writer)

    enrolment = project_enrol_households(project=yannan_project, by=superuser)

    assert (enrolment.created, enrolment.already) == (4, 1)
    assert Case.objects.filter(project=yannan_project).count() == 5


# --- The command ---------------------------------------------------------------------------


def run(*args):
    out = StringIO()
    call_command("enrol_households", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_the_command_enrols_and_prints_the_counts(yannan_project, roster):
    CaseFactory(project=yannan_project, household=roster["east"][0])

    out = run(yannan_project.pk)

    assert "4 households enrolled, 1 already had a case." in out
    assert Case.objects.filter(project=yannan_project).count() == 5
    assert "0 households enrolled, 5 already had a case." in run(yannan_project.pk)


def test_the_command_enrols_the_cooperatives_named(yannan_project, roster, yannan_coop):
    out = run(yannan_project.pk, "--cooperative", yannan_coop.pk)

    assert "3 households enrolled" in out
    assert cases_of(yannan_project) == ids(roster["east"])


def test_a_dry_run_counts_and_writes_nothing(yannan_project, roster):
    out = run(yannan_project.pk, "--dry-run")

    assert "5 households would be enrolled, 0 already have a case" in out
    assert not Case.objects.exists() and not Case.history.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["999999"], "There is no project 999999."),
        (["{project}", "--cooperative", "999999"], "There is no cooperative 999999."),
        (["{project}", "--cooperative", "{zhennan_coop}"], "1 cooperative is not covered"),
    ],
)
def test_the_command_refuses_with_a_sentence(yannan_project, roster, zhennan_coop, args, message):
    names = {"project": yannan_project.pk, "zhennan_coop": zhennan_coop.pk}
    with pytest.raises(CommandError, match=message):
        run(*[a.format(**names) for a in args])
    assert not Case.objects.exists()


def test_the_command_refuses_a_completed_project(yannan_project, roster):
    Project.objects.filter(pk=yannan_project.pk).update(status=Project.Status.COMPLETED)
    with pytest.raises(CommandError, match="is completed: households can no longer"):
        run(yannan_project.pk)


# --- The project's enrolment page ----------------------------------------------------------


def enrol_url(project):
    return reverse("admin:cases_project_enrol", args=[project.pk])


def test_the_project_page_links_to_enrolment_for_those_who_may_add_cases(
    client, yannan_project, township_admin, staff
):
    client.force_login(township_admin)
    change = reverse("admin:cases_project_change", args=[yannan_project.pk])
    assert enrol_url(yannan_project) in client.get(change).content.decode()

    client.force_login(staff)  # sees the project, may not add cases
    page = client.get(change)
    assert page.status_code == 200 and enrol_url(yannan_project) not in page.content.decode()


def test_the_page_lists_each_cooperative_with_its_counts(
    client, yannan_project, roster, township_admin
):
    CaseFactory(project=yannan_project, household=roster["east"][0])
    client.force_login(township_admin)

    page = client.get(enrol_url(yannan_project))

    html = page.content.decode()
    assert page.status_code == 200
    rows = re.findall(
        r'<label for="enrol-\d+">(.*?)</label></td>\s*<td>(\d+)</td>\s*<td>(\d+)</td>\s*<td>(\d+)',
        html,
    )
    cells = {name: list(counts) for name, *counts in rows}
    assert cells == {"东头经济社": ["3", "1", "2"], "西头经济社": ["2", "0", "2"]}
    assert html.count(" checked") == 2
    assert "上沙经济社" not in html


def test_confirming_enrols_the_ticked_cooperatives(client, yannan_project, roster, township_admin):
    CaseFactory(project=yannan_project, household=roster["east"][0])
    client.force_login(township_admin)

    response = client.post(
        enrol_url(yannan_project),
        {"cooperatives": [roster["east"][0].cooperative_id]},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse(
        "admin:cases_project_change", args=[yannan_project.pk]
    )
    assert "2 households enrolled, 1 already had a case." in response.content.decode()
    assert cases_of(yannan_project) == ids(roster["east"])


def test_nothing_ticked_is_refused_on_the_page(client, yannan_project, roster, township_admin):
    client.force_login(township_admin)

    page = client.post(enrol_url(yannan_project), {})

    assert page.status_code == 200
    assert "Tick at least one cooperative." in page.content.decode()
    assert not Case.objects.exists()


def test_a_completed_project_offers_no_enrolment(client, yannan_project, roster, township_admin):
    Project.objects.filter(pk=yannan_project.pk).update(status=Project.Status.COMPLETED)
    client.force_login(township_admin)

    html = client.get(enrol_url(yannan_project)).content.decode()
    assert "households can no longer be enrolled" in html and 'name="cooperatives"' not in html

    page = client.post(enrol_url(yannan_project), {"cooperatives": [roster["west_coop"].pk]})
    assert "households can no longer be enrolled" in page.content.decode()
    assert not Case.objects.exists()


def test_the_page_needs_the_add_case_permission(client, yannan_project, roster, staff, leader):
    leader.is_staff = True  # a leader given the admin, read-only
    leader.save()
    for user in (staff, leader):
        client.force_login(user)
        assert client.get(enrol_url(yannan_project)).status_code == 403
        assert client.post(enrol_url(yannan_project), {}).status_code == 403
    assert not Case.objects.exists()


def test_a_cadre_may_enrol_only_the_projects_and_cooperatives_of_their_villages(
    client, yannan_project, zhennan_project, roster, cadre_yannan, zhennan_coop
):
    cadre_yannan.user_permissions.add(Permission.objects.get(codename="add_case"))
    client.force_login(cadre_yannan)

    assert client.get(enrol_url(zhennan_project)).status_code == 404
    assert (
        client.post(enrol_url(zhennan_project), {"cooperatives": [zhennan_coop.pk]}).status_code
        == 404
    )

    both = ProjectFactory(
        name="两村项目", villages=[yannan_project.villages.get(), zhennan_coop.village]
    )
    html = client.get(enrol_url(both)).content.decode()
    assert "东头经济社" in html and "上沙经济社" not in html
    client.post(enrol_url(both), {"cooperatives": [zhennan_coop.pk]})
    assert not Case.objects.exists()


# --- The household list's action -----------------------------------------------------------


def choose(client, households, **data):
    return client.post(
        reverse("admin:cases_household_changelist"),
        {
            "action": "enrol_in_project",
            "index": 0,
            admin.helpers.ACTION_CHECKBOX_NAME: [h.pk for h in households],
            **data,
        },
        follow="enrol_confirm" in data,
    )


def test_the_action_offers_only_projects_covering_every_household(
    client, yannan_project, zhennan_project, roster, township_admin, yannan_coop
):
    named = ProjectFactory(name="西头项目", villages=[yannan_coop.village])
    named.cooperatives.set([roster["west_coop"]])
    done = ProjectFactory(name="完成项目", villages=[yannan_coop.village], status="completed")
    client.force_login(township_admin)

    html = choose(client, roster["east"]).content.decode()

    assert yannan_project.name in html
    for other in (zhennan_project, named, done):
        assert other.name not in html
    assert (
        "No project covers" in choose(client, [*roster["east"], roster["zhennan"]]).content.decode()
    )


def test_each_project_offered_says_how_many_households_it_would_enrol(
    client, yannan_project, roster, township_admin, yannan_coop
):
    """A cadre sees before confirming which projects already hold the selected households."""
    full = ProjectFactory(name="已满项目", villages=[yannan_coop.village])
    for household in roster["east"]:
        CaseFactory(project=full, household=household)
    CaseFactory(project=yannan_project, household=roster["east"][0])
    client.force_login(township_admin)

    html = choose(client, roster["east"]).content.decode()

    assert f"{yannan_project.name} (2 households to enrol, 1 already has a case in it)" in html
    assert "已满项目 (all already have a case in it: nothing to enrol)" in html
    with translation.override("zh-hans"):
        label = EnrolInProjectForm.choice_label(yannan_project, 3, 1)
    assert label == f"{yannan_project.name}（待纳入 2 户，1 户已有案件）"


def test_the_action_enrols_the_selected_households(client, yannan_project, roster, township_admin):
    CaseFactory(project=yannan_project, household=roster["east"][0])
    client.force_login(township_admin)

    response = choose(client, roster["east"], project=yannan_project.pk, enrol_confirm="1")

    assert f"{yannan_project.name}: 2 households enrolled, 1 already had a case." in (
        response.content.decode()
    )
    assert cases_of(yannan_project) == ids(roster["east"])


def test_the_action_across_every_page_enrols_the_filtered_list(
    client, yannan_project, roster, township_admin, yannan_coop
):
    client.force_login(township_admin)
    url = (
        reverse("admin:cases_household_changelist")
        + f"?cooperative__village__id__exact={yannan_coop.village_id}"
    )
    data = {
        "action": "enrol_in_project",
        "index": 0,
        "select_across": 1,
        admin.helpers.ACTION_CHECKBOX_NAME: [roster["east"][0].pk],
    }

    page = client.post(url, data)
    assert "5 households selected" in page.content.decode()
    client.post(url, {**data, "project": yannan_project.pk, "enrol_confirm": "1"})

    assert cases_of(yannan_project) == ids(roster["east"] + roster["west"])


def test_the_action_needs_the_add_case_permission(client, yannan_project, roster, staff):
    client.force_login(staff)

    response = choose(client, roster["east"], project=yannan_project.pk, enrol_confirm="1")

    assert not Case.objects.exists()
    assert (
        "enrol_in_project"
        not in client.get(reverse("admin:cases_household_changelist")).content.decode()
    )
    assert response.status_code == 200


def test_households_of_another_village_cannot_be_slipped_in(
    client, yannan_project, roster, cadre_yannan
):
    """The action reads the cadre's households only: a 镇南 id in the post is not selected."""
    cadre_yannan.user_permissions.add(Permission.objects.get(codename="add_case"))
    client.force_login(cadre_yannan)

    choose(
        client, [*roster["east"], roster["zhennan"]], project=yannan_project.pk, enrol_confirm="1"
    )

    assert cases_of(yannan_project) == ids(roster["east"])
    assert not Household.objects.get(pk=roster["zhennan"].pk).cases.exists()
