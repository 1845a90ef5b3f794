"""The pages people use every day: scope, permissions, the visit form, lists and budgets."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Ballot, Case, Stage, Visit, Vote, Voter
from cases.services import visit_record

from .factories import (
    MemberFactory,
    PartyBranchFactory,
    VoteFactory,
    bulk_cases,
    make_id_number,
)
from .support import visit_form_data


def _visit_url(case, next_url=None):
    url = reverse("visit_new", args=[case.pk])
    return f"{url}?next={next_url}" if next_url else url


# --- every page is behind log-in and within scope ---------------------------------------------


@pytest.mark.parametrize(
    "name, needs_pk",
    [
        ("case_list", False),
        ("visit_list", False),
        ("project_dashboard", True),
        ("household_detail", True),
        ("visit_new", True),
    ],
)
def test_pages_ask_for_log_in(client, yannan_case, name, needs_pk):
    url = reverse(name, args=[yannan_case.pk] if needs_pk else [])
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_cadre_of_another_village_gets_404_and_sees_no_names(
    client, cadre_zhennan, yannan_case, zhennan_case
):
    visit_record(case=yannan_case, recorded_by=cadre_zhennan, visited_on=timezone.localdate())
    client.force_login(cadre_zhennan)
    for url in [
        reverse("household_detail", args=[yannan_case.household_id]),
        reverse("project_dashboard", args=[yannan_case.project_id]),
        _visit_url(yannan_case),
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(_visit_url(yannan_case), visit_form_data()).status_code == 404
    for url in [reverse("home"), reverse("case_list"), reverse("visit_list")]:
        page = client.get(url).content.decode()
        assert "黄惠家" not in page and "烟南" not in page, url
    assert "岑荣仪" in client.get(reverse("case_list")).content.decode()


def test_filter_choices_offer_only_the_users_projects_and_cooperatives(
    client, cadre_yannan, yannan_case, zhennan_case
):
    client.force_login(cadre_yannan)
    form = client.get(reverse("case_list")).context["filter"].form
    assert list(form.fields["project"].queryset) == [yannan_case.project]
    assert [c.name for c in form.fields["cooperative"].queryset] == ["东头经济社"]
    assert [v.name for v in form.fields["village"].queryset] == ["烟南村"]
    assert "household" not in form.fields


def test_a_leader_reads_but_cannot_log_visits(client, leader, yannan_case):
    client.force_login(leader)
    page = client.get(reverse("case_list")).content.decode()
    assert "黄惠家" in page
    assert _visit_url(yannan_case) not in page
    assert client.get(_visit_url(yannan_case)).status_code == 403
    assert client.post(_visit_url(yannan_case), visit_form_data()).status_code == 403
    assert not Visit.objects.exists()


# --- logging a visit --------------------------------------------------------------------------


def test_the_visit_form_is_prefilled_with_today_and_the_current_user(client, staff, yannan_case):
    client.force_login(staff)
    response = client.get(_visit_url(yannan_case))
    form = response.context["form"]
    assert form["visited_on"].value() == timezone.localdate()
    assert form["visitors"].value() == [staff.pk]
    assert uuid.UUID(str(form["client_id"].value()))
    html = response.content.decode()
    assert 'type="date"' in html and f'value="{timezone.localdate():%Y-%m-%d}"' in html
    assert 'name="client_id"' in html and "visit-form.js" in html
    assert "<script>" not in html and "onclick" not in html and 'style="' not in html


def test_logging_a_visit_updates_the_case_and_goes_back_where_it_came_from(
    client, staff, yannan_case
):
    client.force_login(staff)
    back = reverse("case_list") + "?status=opposed"
    response = client.post(_visit_url(yannan_case), visit_form_data(next=back))
    assert response.status_code == 302
    assert response["Location"] == back
    visit = Visit.objects.get()
    assert visit.concerns == ["compensation", "tenants"]
    assert list(visit.visitors.all()) == [staff]
    yannan_case.refresh_from_db()
    assert (yannan_case.status, yannan_case.visit_count) == (Case.Status.OPPOSED, 1)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("黄惠家" in m for m in messages)


def test_a_resent_form_stores_the_visit_once(client, staff, yannan_case):
    client.force_login(staff)
    data = visit_form_data()
    client.post(_visit_url(yannan_case), data)
    again = client.post(_visit_url(yannan_case), data, follow=True)
    assert Visit.objects.count() == 1
    assert again.status_code == 200
    yannan_case.refresh_from_db()
    assert yannan_case.visit_count == 1


def test_an_unsafe_next_is_ignored(client, staff, yannan_case):
    client.force_login(staff)
    response = client.post(_visit_url(yannan_case), visit_form_data(next="https://evil.example/"))
    assert response["Location"] == reverse("household_detail", args=[yannan_case.household_id])


@pytest.mark.parametrize(
    "overrides, field, words",
    [
        ({"visited_on": "2999-01-01"}, "visited_on", "future"),
        (
            {"visited_on": "2021-05-10", "next_follow_up_on": "2021-05-01"},
            "next_follow_up_on",
            "before",
        ),
        ({"visited_on": "yesterday"}, "visited_on", "valid date"),
        ({"stance": "furious"}, "stance", "valid choice"),
    ],
)
def test_invalid_input_gets_a_clear_message_and_keeps_what_was_typed(
    client, staff, yannan_case, overrides, field, words, settings
):
    settings.LANGUAGE_CODE = "en"
    client.force_login(staff)
    data = visit_form_data(**overrides)
    response = client.post(_visit_url(yannan_case), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    form = response.context["form"]
    assert words in " ".join(form.errors[field])
    html = response.content.decode()
    assert "租户担心搬迁" in html  # the notes typed are still there
    assert f'value="{data["client_id"]}"' in html
    assert not Visit.objects.exists()


def test_an_unknown_case_is_404(client, staff, db):
    client.force_login(staff)
    assert client.get(reverse("visit_new", args=[987654])).status_code == 404


# --- lists and the household page -------------------------------------------------------------


def test_case_list_filters_search_and_sorts(client, staff, yannan_project, yannan_coop):
    today = timezone.localdate()
    bulk_cases(yannan_project, yannan_coop, 12, recorder=staff, today=today)
    client.force_login(staff)

    def numbers(**query):
        page = client.get(reverse("case_list"), query).context["page"]
        return [case.household.number for case in page]

    assert numbers(q="批量户主7") == ["B00007"]
    assert numbers(q="B0001") == ["B00010", "B00011"]
    assert numbers(status="opposed") == ["B00000", "B00006"]
    overdue = numbers(overdue="true")
    assert overdue == [
        c.household.number for c in Case.objects.overdue(today).order_by("household__number")
    ]
    assert numbers(visits_max="0") == ["B00005", "B00011"]
    assert numbers(attention="under_visited_opposed") == ["B00000", "B00006"]
    assert numbers(ordering="-number")[:2] == ["B00011", "B00010"]


def test_case_list_paginates(client, staff, yannan_project, yannan_coop):
    bulk_cases(yannan_project, yannan_coop, 60, recorder=staff)
    client.force_login(staff)
    first = client.get(reverse("case_list")).context["page"]
    second = client.get(reverse("case_list"), {"page": 2}).context["page"]
    assert len(first) == 50 and len(second) == 10
    assert not {c.pk for c in first} & {c.pk for c in second}


def test_visit_list_filters_by_project_visitor_branch_dates_and_stance(
    client, staff, cadre_yannan, yannan_case, zhennan_case
):
    branch = PartyBranchFactory(name="九江机关第六党支部")
    today = timezone.localdate()
    visit_record(
        case=yannan_case, recorded_by=staff, visited_on=today, stance="opposed", branch=branch
    )
    visit_record(case=yannan_case, recorded_by=cadre_yannan, visited_on=today - timedelta(days=40))
    visit_record(case=zhennan_case, recorded_by=staff, visited_on=today, stance="supportive")
    client.force_login(staff)

    def count(**query):
        return client.get(reverse("visit_list"), query).context["page"].paginator.count

    assert count() == 3
    assert count(project=yannan_case.project_id) == 2
    assert count(visitor=cadre_yannan.pk) == 1
    assert count(branch=branch.pk) == 1
    assert count(visited_on_after=(today - timedelta(days=7)).isoformat()) == 2
    assert count(visited_on_before=(today - timedelta(days=7)).isoformat()) == 1
    assert count(stance="supportive") == 1
    client.force_login(cadre_yannan)
    assert count() == 2


def test_household_page_masks_numbers_and_shows_cases_visits_and_ballots(
    client, cadre_yannan, yannan_case, yannan, superuser
):
    household = yannan_case.household
    member = MemberFactory(
        household=household, name="黄荣", phone="13812345678", id_number=make_id_number(77)
    )
    visit_record(
        case=yannan_case,
        recorded_by=cadre_yannan,
        visited_on=timezone.localdate(),
        stance="undecided",
        concerns=["graves"],
        notes="祖屋问题",
    )
    vote = VoteFactory(village=yannan, status=Vote.Status.OPEN)
    voter = Voter.objects.create(vote=vote, household=household, name=household.head_name)
    Ballot.objects.create(
        vote=vote, voter=voter, choice="for", cast_on=timezone.localdate(), recorded_by=superuser
    )
    client.force_login(cadre_yannan)
    html = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    assert household.head_id_number not in html and member.id_number not in html
    assert member.id_number[:6] + "********" in html
    assert "13812345678" not in html and "138****5678" in html
    assert "祖屋问题" in html and yannan_case.project.name in html
    assert vote.subject in html
    assert "data-reveal-url" not in html  # no "show" button without the permission
    # With the permission the number is still masked: showing it is a deliberate, logged act.
    client.force_login(superuser)
    html = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    assert member.id_number not in html
    assert reverse("member_reveal", args=[member.pk]) in html
    # The household's history is on its page, numbers masked.
    assert "黄荣" in html


def test_dashboard_page_shows_figures_stages_and_votes(client, staff, yannan_case, yannan):
    Stage.objects.create(project=yannan_case.project, order=1, name="公益性认定")
    VoteFactory(project=yannan_case.project, village=yannan, status=Vote.Status.OPEN)
    visit_record(case=yannan_case, recorded_by=staff, visited_on=timezone.localdate())
    client.force_login(staff)
    response = client.get(reverse("project_dashboard", args=[yannan_case.project_id]))
    html = response.content.decode()
    assert response.context["d"].figures.visited == 1
    assert "公益性认定" in html and "《土地前期整理方案和协议》" in html
    assert "<svg" in html and "<title" in html and "<desc" in html


# --- query budgets: constant from 10 to 1,000 households --------------------------------------


def _pages(project, household_id, case_id):
    return {
        "home": reverse("home"),
        "dashboard": reverse("project_dashboard", args=[project.pk]),
        "case list": reverse("case_list") + f"?project={project.pk}&ordering=-visits",
        "my follow-ups": reverse("case_list") + "?mine=true&due=soon&ordering=follow_up",
        "visit list": reverse("visit_list") + f"?project={project.pk}",
        "household": reverse("household_detail", args=[household_id]),
        "visit form": reverse("visit_new", args=[case_id]),
    }


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


#: Each includes 2 queries for the user's permissions; home also reads the statutory deadlines
#: (4 queries); a cadre's dashboard counts the whole project's households for the hearing rule
#: (1 query); a cadre's visit list reads their villages, then the page's ids (2 queries).
BUDGETS = {
    "home": 15,
    "dashboard": 13,
    "case list": 12,
    "my follow-ups": 12,
    "visit list": 13,
    "household": 16,  # with its history (4 queries, cases.audit)
    "visit form": 10,
}


@pytest.mark.parametrize("user_fixture", ["staff", "cadre_yannan"])
def test_query_counts_stay_constant_as_households_grow_from_10_to_1000(
    client,
    request,
    user_fixture,
    yannan_project,
    yannan_coop,
    yannan,
    staff,
    django_assert_max_num_queries,
):
    user = request.getfixturevalue(user_fixture)
    client.force_login(user)
    cases = bulk_cases(yannan_project, yannan_coop, 10, recorder=staff)
    VoteFactory(project=yannan_project, village=yannan, status=Vote.Status.OPEN)
    Stage.objects.create(project=yannan_project, order=1, name="公益性认定")
    pages = _pages(yannan_project, cases[0].household_id, cases[0].pk)
    small = {name: _count_queries(client, url) for name, url in pages.items()}
    bulk_cases(yannan_project, yannan_coop, 990, recorder=staff, start=10)
    for name, url in pages.items():
        with django_assert_max_num_queries(BUDGETS[name]):
            large = _count_queries(client, url)
        assert large == small[name], name


def test_a_cadre_sees_no_other_village_in_a_project_spanning_both(
    client, cadre_yannan, staff, yannan, zhennan, yannan_coop, zhennan_coop
):
    from .factories import ProjectFactory

    project = ProjectFactory(name="跨村项目", villages=[yannan, zhennan])
    bulk_cases(project, yannan_coop, 6, recorder=staff)
    theirs = bulk_cases(project, zhennan_coop, 6, recorder=staff, start=50)
    client.force_login(cadre_yannan)
    response = client.get(reverse("project_dashboard", args=[project.pk]))
    html = response.content.decode()
    assert response.context["d"].figures.households == 6
    assert "上沙经济社" not in html and "镇南" not in html
    assert not any(case.household.head_name in html for case in theirs)
    visits = client.get(reverse("visit_list"), {"project": project.pk}).context["page"]
    assert visits.paginator.count == 5  # the six Yannan cases but the one not contacted


def test_visit_list_offers_only_visitors_and_branches_of_the_users_villages(
    client, cadre_yannan, cadre_zhennan, yannan_case, zhennan_case, zhennan
):
    zhennan_branch = PartyBranchFactory(name="镇南村党委", village=zhennan)
    township_branch = PartyBranchFactory(name="九江机关第六党支部")
    visit_record(case=zhennan_case, recorded_by=cadre_zhennan, visited_on=timezone.localdate())
    visit_record(case=yannan_case, recorded_by=cadre_yannan, visited_on=timezone.localdate())
    client.force_login(cadre_yannan)
    form = client.get(reverse("visit_list")).context["filter"].form
    assert list(form.fields["visitor"].queryset) == [cadre_yannan]
    assert list(form.fields["branch"].queryset) == [township_branch]
    assert zhennan_branch.name not in client.get(reverse("visit_list")).content.decode()


def test_a_district_wide_user_chooses_a_village_before_its_cooperatives(
    client, staff, yannan, yannan_coop, zhennan_coop, monkeypatch
):
    monkeypatch.setattr("cases.filters.MAX_COOPERATIVE_CHOICES", 1)  # two are "many" here
    client.force_login(staff)

    def offered(**params):
        form = client.get(reverse("case_list"), params).context["filter"].form
        return [c.pk for c in form.fields["cooperative"].queryset]

    assert offered() == []
    assert offered(village=yannan.pk) == [yannan_coop.pk]
    assert offered(cooperative=zhennan_coop.pk) == [zhennan_coop.pk]  # a link still filters


def test_a_district_wide_visitor_list_offers_the_chosen_person_alone_when_many(
    client, staff, cadre_yannan, yannan_case, monkeypatch
):
    visit_record(case=yannan_case, recorded_by=staff, visited_on=timezone.localdate())
    visit_record(case=yannan_case, recorded_by=cadre_yannan, visited_on=timezone.localdate())
    client.force_login(staff)

    def offered(**params):
        form = client.get(reverse("visit_list"), params).context["filter"].form
        return {u.username for u in form.fields["visitor"].queryset}

    assert offered() == {"staff", "cadre_yannan"}
    monkeypatch.setattr("cases.filters.MAX_VISITOR_CHOICES", 1)
    assert offered() == set()
    assert offered(visitor=cadre_yannan.pk) == {"cadre_yannan"}


def test_a_visit_carries_its_cases_project(staff, yannan_case):
    visit, _created = visit_record(
        case=yannan_case, recorded_by=staff, visited_on=timezone.localdate()
    )
    assert visit.project_id == yannan_case.project_id
    assert Visit.objects.get(pk=visit.pk).project_id == yannan_case.project_id


def test_dashboard_stages_carry_their_flags_and_link_to_the_procedure(client, staff, yannan_case):
    from datetime import timedelta

    project = yannan_case.project
    today = timezone.localdate()
    Stage.objects.create(
        project=project,
        order=1,
        name="征收预公告",
        started_on=today - timedelta(days=20),
        done_on=today - timedelta(days=12),
        early_reason="县政府要求提前",
    )
    Stage.objects.create(
        project=project, order=2, name="方案公告", due_on=today + timedelta(days=3)
    )
    Stage.objects.create(
        project=project, order=3, name="补偿登记", due_on=today + timedelta(days=30)
    )
    client.force_login(staff)
    html = client.get(reverse("project_dashboard", args=[project.pk])).content.decode()
    assert html.count('data-flag="done_early"') == 1 and "县政府要求提前" in html
    assert html.count('data-flag="deadline_soon"') == 1  # in 3 days, not the one in 30
    assert reverse("project_procedure", args=[project.pk]) in html


def test_dashboard_stages_are_named_in_the_page_language(
    client, english_client, staff, yannan_case
):
    project = yannan_case.project
    Stage.objects.create(
        project=project, order=1, name="补偿登记", name_en="Compensation registration"
    )
    url = reverse("project_dashboard", args=[project.pk])
    english_client.force_login(staff)
    english = english_client.get(url).content.decode()
    assert "1. Compensation registration" in english and "补偿登记" not in english
    client.force_login(staff)
    assert "1. 补偿登记" in client.get(url).content.decode()


@pytest.mark.parametrize(
    "language, words",
    [("zh-CN", ["找不到该页面", "不允许"]), ("en", ["Page not found", "Not allowed"])],
)
def test_not_found_and_not_allowed_pages_speak_the_users_language(
    client, leader, yannan_case, language, words
):
    """Django's own 404 and 403 are English only and have no way back into the site."""
    client.force_login(leader)
    missing = client.get(reverse("household_detail", args=[10**9]), HTTP_ACCEPT_LANGUAGE=language)
    refused = client.get(reverse("visit_new", args=[yannan_case.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert (missing.status_code, refused.status_code) == (404, 403)
    for response, word in zip((missing, refused), words, strict=True):
        page = response.content.decode()
        assert word in page
        assert f'href="{reverse("home")}"' in page
