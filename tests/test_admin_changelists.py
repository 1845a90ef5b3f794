"""The changelists of the big tables (households, members, cases, visits) at district scale:
constant queries, the planner's estimate instead of COUNT(*) when unfiltered on PostgreSQL,
searches that find by name and number within the user's scope."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Visit
from cases.pagination import CappedCountPaginator, EstimatedCountPaginator

from .factories import bulk_cases


def _changelists(project, village):
    household = reverse("admin:cases_household_changelist")
    member = reverse("admin:cases_member_changelist")
    case = reverse("admin:cases_case_changelist")
    visit = reverse("admin:cases_visit_changelist")
    return {
        "household": household,
        "household, village filter": f"{household}?cooperative__village__id__exact={village.pk}",
        "household, search": f"{household}?q=批量户主1",
        "member": member,
        "member, search": f"{member}?q=B00001",
        "case": case,
        "case, project and status": f"{case}?project__id__exact={project.pk}&status__exact=opposed",
        "case, search": f"{case}?q=B00001",
        "visit": visit,
        "visit, project filter": f"{visit}?project__id__exact={project.pk}",
        "visit, search": f"{visit}?q=批量户主1",
    }


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return ctx.captured_queries


def _analyze():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


#: Session, user, permissions (2), the list filters' choices, the count, the page.
BUDGET = 10


@pytest.mark.parametrize("user_fixture", ["superuser", "cadre_yannan"])
def test_changelist_queries_stay_constant_from_10_to_500_households(
    client, request, user_fixture, yannan_project, yannan_coop, yannan, staff
):
    client.force_login(request.getfixturevalue(user_fixture))
    bulk_cases(yannan_project, yannan_coop, 10, recorder=staff)
    pages = _changelists(yannan_project, yannan)
    small = {name: len(_queries(client, url)) for name, url in pages.items()}
    bulk_cases(yannan_project, yannan_coop, 490, recorder=staff, start=10)
    for name, url in pages.items():
        large = len(_queries(client, url))
        assert large == small[name] <= BUDGET, name


def test_an_unfiltered_changelist_reads_the_estimate_on_postgresql_and_counts_otherwise(
    english_client, superuser, yannan_project, yannan_coop, staff, monkeypatch
):
    """The estimate is said to be one ("about"), and so is "all selected"."""
    client = english_client
    bulk_cases(yannan_project, yannan_coop, 30, recorder=staff)
    _analyze()
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 0)
    monkeypatch.setattr(admin.site._registry[Visit], "list_per_page", 5)  # more than a page
    client.force_login(superuser)
    for model in ["household", "member", "case", "visit"]:
        url = reverse(f"admin:cases_{model}_changelist")
        sql = " ".join(q["sql"] for q in _queries(client, url))
        html = client.get(url).content.decode()
        if connection.vendor == "postgresql":
            assert "reltuples" in sql and "COUNT(*)" not in sql, model
            assert '<span class="result-count">about ' in html, model
            if model == "visit":  # the one of the four with an action (delete)
                assert "All matching visits selected (about " in html
        else:
            assert "COUNT(*)" in sql and "reltuples" not in sql, model
            assert '<span class="result-count">about ' not in html, model
        filtered = " ".join(q["sql"] for q in _queries(client, f"{url}?q=B00001"))
        assert "COUNT(*)" in filtered and "reltuples" not in filtered, model


def test_a_filtered_changelist_stops_counting_at_the_cap_and_says_so(
    english_client, superuser, yannan_project, yannan_coop, staff, monkeypatch
):
    """A filter that matches a million visits costs what one matching ten thousand does; the
    page says "more than", offers no "show all", and selecting across pages says it too."""
    bulk_cases(yannan_project, yannan_coop, 12, recorder=staff)  # 10 of them visited
    monkeypatch.setattr(CappedCountPaginator, "cap", 5)
    monkeypatch.setattr(admin.site._registry[Visit], "list_per_page", 4)  # < the cap
    english_client.force_login(superuser)
    url = reverse("admin:cases_visit_changelist")
    page = english_client.get(url, {"project__id__exact": yannan_project.pk})
    html = page.content.decode()
    cl = page.context["cl"]
    assert cl.paginator.capped and cl.result_count == 6 and len(cl.result_list) == 4
    assert "more than 5 visits; narrow the filter or search to see them all" in html
    assert 'class="showall"' not in html  # ?all= would list every row
    assert "Select all matching visits (more than 5 visits)" in html
    assert "All matching visits selected (more than 5)" in html
    assert (
        'class="small quiet">more than 5 visits'
        in english_client.get(url, {"q": "批量户主"}).content.decode()
    )
    small = english_client.get(url, {"q": "批量户主1"})  # 1 and 10 visited (11 not): 2
    assert small.context["cl"].result_count == 2 == len(small.context["cl"].result_list)
    assert "2 results" in small.content.decode()
    assert "more than" not in small.content.decode()


@pytest.mark.parametrize("model", ["household", "member", "case", "visit"])
def test_big_changelists_offer_no_facets(
    client, superuser, yannan_project, yannan_coop, staff, model
):
    """Facet counts read every row once per filter (15 s for a district's visits)."""
    bulk_cases(yannan_project, yannan_coop, 5, recorder=staff)
    client.force_login(superuser)
    url = reverse(f"admin:cases_{model}_changelist")
    assert "_facets" not in client.get(url).content.decode()  # no "show counts" link
    plain = _queries(client, url)
    assert len(_queries(client, f"{url}?_facets=True")) == len(plain) <= BUDGET


def test_a_cadre_s_changelist_is_counted_exactly(
    client, cadre_yannan, yannan_project, yannan_coop, staff, monkeypatch
):
    bulk_cases(yannan_project, yannan_coop, 30, recorder=staff)
    _analyze()
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 0)
    client.force_login(cadre_yannan)
    page = client.get(reverse("admin:cases_case_changelist"))
    assert page.context["cl"].result_count == 30


def test_admin_search_finds_by_head_name_and_by_household_number(
    client, superuser, yannan_project, yannan_coop, staff
):
    bulk_cases(yannan_project, yannan_coop, 30, recorder=staff)
    client.force_login(superuser)
    households = reverse("admin:cases_household_changelist")
    by_name = client.get(households, {"q": "批量户主2"}).context["cl"].result_list
    assert sorted(h.number for h in by_name) == ["B00002"] + [f"B000{n}" for n in range(20, 30)]
    by_number = client.get(households, {"q": "b00007"}).context["cl"].result_list
    assert [h.number for h in by_number] == ["B00007"]  # exact, case-insensitive
    visits = client.get(reverse("admin:cases_visit_changelist"), {"q": "B00003"})
    expected = Visit.objects.filter(case__household__number="B00003").count()
    assert len(visits.context["cl"].result_list) == expected > 0
    case_list = reverse("admin:cases_case_changelist")
    both = client.get(case_list, {"q": "批量户主1 B00001"}).context["cl"].result_list
    assert [c.household.number for c in both] == ["B00001"]  # every term must match
    neither = client.get(case_list, {"q": "批量户主1 B00002"}).context["cl"].result_list
    assert list(neither) == []
    nothing = client.get(reverse("admin:cases_member_changelist"), {"q": "无此人"})
    assert list(nothing.context["cl"].result_list) == []


def test_the_search_box_is_named_in_the_page_s_language(client, superuser):
    """Django's search form names its magnifier "Search" in every language; ours translates it."""
    client.force_login(superuser)
    page = client.get(reverse("admin:cases_household_changelist")).content.decode()
    assert 'alt="搜索"' in page and 'alt="Search"' not in page


def test_admin_search_stays_in_the_users_villages(
    client, cadre_zhennan, yannan_project, yannan_coop, staff
):
    bulk_cases(yannan_project, yannan_coop, 5, recorder=staff)
    client.force_login(cadre_zhennan)
    for model in ["household", "case", "visit"]:
        page = client.get(reverse(f"admin:cases_{model}_changelist"), {"q": "批量户主"})
        assert list(page.context["cl"].result_list) == [], model


def test_changing_a_visits_case_in_the_admin_moves_it_to_that_cases_project(
    client, superuser, yannan_project, yannan_coop, staff
):
    from .factories import CaseFactory

    first, *_ = bulk_cases(yannan_project, yannan_coop, 1, recorder=staff)
    other = CaseFactory()
    visit = Visit.objects.get(case=first)
    assert visit.project_id == yannan_project.pk
    client.force_login(superuser)
    url = reverse("admin:cases_visit_change", args=[visit.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "visitors"}
    data.update(case=other.pk, visitors=[staff.pk], concerns=[])
    data["visited_on"] = visit.visited_on.isoformat()
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    visit.refresh_from_db()
    assert (visit.case_id, visit.project_id) == (other.pk, other.project_id)
    assert Case.objects.get(pk=other.pk).visit_count == 1
    # The case it left no longer counts it.
    first.refresh_from_db()
    assert (first.visit_count, first.last_visit_on) == (0, None)
    assert first.status == Case.Status.NOT_CONTACTED


def test_deleting_visits_in_the_admin_recomputes_their_cases(
    client, superuser, yannan_project, yannan_coop, staff
):
    cases = bulk_cases(yannan_project, yannan_coop, 2, recorder=staff)
    client.force_login(superuser)
    one = Visit.objects.get(case=cases[0])
    response = client.post(reverse("admin:cases_visit_delete", args=[one.pk]), {"post": "yes"})
    assert response.status_code == 302
    cases[0].refresh_from_db()
    assert cases[0].visit_count == 0
    other = Visit.objects.get(case=cases[1])
    response = client.post(
        reverse("admin:cases_visit_changelist"),
        {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"},
    )
    assert response.status_code == 302
    cases[1].refresh_from_db()
    assert (cases[1].visit_count, cases[1].last_visit_on) == (0, None)


def _admin_data(client, url, **changes):
    """The admin form's current values (as the page would post them), with ``changes``."""
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "visitors"}
    for key, value in list(data.items()):
        if hasattr(value, "isoformat"):
            data[key] = value.isoformat()
    return data | changes


def test_reverting_a_moved_visit_in_the_admin_recomputes_the_case_it_leaves(
    client, superuser, yannan_project, yannan_coop, staff
):
    """The history page's form starts from the old version: the case the visit is stored under
    now must be read from the database, or that case keeps counting a visit it lost."""
    from datetime import date

    from cases import services

    first, second = bulk_cases(yannan_project, yannan_coop, 2, recorder=staff)
    Visit.objects.filter(case=first).delete()
    visit, _created = services.visit_record(
        case=first, recorded_by=staff, visited_on=date(2021, 6, 1), stance="opposed"
    )
    client.force_login(superuser)
    url = reverse("admin:cases_visit_change", args=[visit.pk])
    data = _admin_data(client, url, case=second.pk, visitors=[staff.pk], concerns=[])
    assert client.post(url, data).status_code == 302
    version = visit.history.earliest()  # under the first case
    assert version.case_id == first.pk
    url = reverse("admin:cases_visit_simple_history", args=[visit.pk, version.pk])
    data = _admin_data(client, url, case=first.pk, visitors=[staff.pk], concerns=[])
    assert client.post(url, data).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert Visit.objects.get(pk=visit.pk).case_id == first.pk
    assert (first.visit_count, second.visit_count) == (1, 1)  # second had its own visit only
    assert Visit.objects.filter(case=second).count() == 1


def test_a_visit_changed_in_the_admin_keeps_the_forms_rules(
    client, superuser, yannan_project, yannan_coop, staff
):
    from datetime import timedelta

    from django.utils import timezone

    (case,) = bulk_cases(yannan_project, yannan_coop, 1, recorder=staff)
    visit = Visit.objects.get(case=case)
    before = visit.visited_on
    client.force_login(superuser)
    url = reverse("admin:cases_visit_change", args=[visit.pk])
    future = (timezone.localdate() + timedelta(days=30)).isoformat()
    data = _admin_data(client, url, visited_on=future, visitors=[staff.pk], concerns=[])
    data.pop("next_follow_up_on", None)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "visited_on" in response.context["adminform"].form.errors
    data.update(visited_on=before.isoformat(), concerns=["graves", "bribe"])
    response = client.post(url, data)
    assert response.status_code == 200
    assert "concerns" in response.context["adminform"].form.errors
    visit.refresh_from_db()
    case.refresh_from_db()
    assert visit.visited_on == case.last_visit_on == before


def test_the_case_admin_keeps_stance_status_and_figures_in_step_with_the_visits(
    client, superuser, yannan_project, yannan_coop, staff
):
    """Stance and follow-up are read-only; an open status typed by hand, or an old version
    brought back from the history page, gives way to what the visits say."""
    from datetime import date

    from cases import services

    (case,) = bulk_cases(yannan_project, yannan_coop, 1, recorder=staff)
    services.visit_record(
        case=case, recorded_by=staff, visited_on=date(2021, 6, 1), stance="opposed"
    )
    case.refresh_from_db()
    expected = (case.visit_count, case.last_visit_on, case.stance, case.status)
    assert expected[2:] == ("opposed", Case.Status.OPPOSED)
    client.force_login(superuser)
    url = reverse("admin:cases_case_change", args=[case.pk])
    form = client.get(url).context["adminform"].form
    assert "stance" not in form.fields and "next_follow_up_on" not in form.fields
    data = _admin_data(
        client,
        url,
        status="supportive",
        stance="supportive",
        **{
            "visits-TOTAL_FORMS": "0",
            "visits-INITIAL_FORMS": "0",
            "visits-MIN_NUM_FORMS": "0",
            "visits-MAX_NUM_FORMS": "1000",
        },
    )
    rows = case.history.count()
    assert client.post(url, data).status_code == 302
    case.refresh_from_db()
    assert (case.visit_count, case.last_visit_on, case.stance, case.status) == expected
    # One history row, of the case as saved (not of the status typed by hand).
    assert case.history.count() == rows + 1
    assert case.history.latest().status == Case.Status.OPPOSED
    version = case.history.earliest()  # created: no visit, not contacted
    url = reverse("admin:cases_case_simple_history", args=[case.pk, version.pk])
    data = _admin_data(client, url, **{k: v for k, v in data.items() if k.startswith("visits-")})
    assert client.post(url, data).status_code == 302
    case.refresh_from_db()
    assert (case.visit_count, case.last_visit_on, case.stance, case.status) == expected
    # Signing from the admin still works, and the dates keep the services' rules.
    url = reverse("admin:cases_case_change", args=[case.pk])
    signed = data | {"status": "signed", "agreement_signed_on": "2021-06-05"}
    response = client.post(url, signed | {"completed_on": "2021-06-01", "status": "completed"})
    assert response.status_code == 200
    assert "completed_on" in response.context["adminform"].form.errors
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(url, signed | {"agreement_signed_on": future})
    assert "agreement_signed_on" in response.context["adminform"].form.errors
    assert client.post(url, signed).status_code == 302
    case.refresh_from_db()
    assert (case.status, case.stance) == (Case.Status.SIGNED, "opposed")


@pytest.mark.parametrize(
    ("status", "missing"),
    [("signed", "agreement_signed_on"), ("completed", "completed_on")],
)
def test_a_case_signed_in_the_admin_without_its_date_is_told_which_date(
    client, staff, yannan_project, yannan_coop, status, missing
):
    """Choosing "signed" without the agreement date answered with the name of the database
    constraint (约束 “case_signed_has_agreement_date” 是无效的), above the form."""
    (case,) = bulk_cases(yannan_project, yannan_coop, 1, recorder=staff)
    client.force_login(staff)
    url = reverse("admin:cases_case_change", args=[case.pk])
    data = _admin_data(
        client,
        url,
        status=status,
        agreement_signed_on="" if missing == "agreement_signed_on" else "2021-06-01",
        completed_on="",
        **{
            "visits-TOTAL_FORMS": "0",
            "visits-INITIAL_FORMS": "0",
            "visits-MIN_NUM_FORMS": "0",
            "visits-MAX_NUM_FORMS": "1000",
        },
    )
    response = client.post(url, data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.errors) == [missing]
    page = response.content.decode()
    assert "case_signed_has_agreement_date" not in page and "case_completed_has_date" not in page
    assert "须填写" in form.errors[missing][0]  # in the page's language


def _empty_inlines(*prefixes) -> dict:
    data = {}
    for prefix in prefixes:
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data


def _visible_visits(client, user) -> set:
    client.force_login(user)
    page = client.get(reverse("visit_list")).context["page"]
    return {visit.pk for visit in page}


def test_a_household_moved_to_another_village_in_the_admin_takes_its_visits_along(
    client, superuser, staff, yannan_project, yannan_coop, zhennan_coop, cadre_yannan, cadre_zhennan
):
    """The visits' scope is their own ``village`` (``Visit.village``): moved with the household,
    they leave the old village's cadre's lists for the new one's."""
    household = bulk_cases(yannan_project, yannan_coop, 2, recorder=staff)[0].household
    visits = set(Visit.objects.filter(case__household=household).values_list("pk", flat=True))
    assert visits and visits <= _visible_visits(client, cadre_yannan)
    client.force_login(superuser)
    url = reverse("admin:cases_household_change", args=[household.pk])
    data = _admin_data(client, url, cooperative=zhennan_coop.pk) | _empty_inlines(
        "members", "cases"
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert not visits & _visible_visits(client, cadre_yannan)
    assert visits <= _visible_visits(client, cadre_zhennan)
    assert set(Visit.objects.values_list("village", flat=True).distinct()) == {
        yannan_coop.village_id,
        zhennan_coop.village_id,
    }


def test_a_cooperative_moved_to_another_village_in_the_admin_takes_its_visits_along(
    client, superuser, staff, yannan_project, yannan_coop, zhennan, cadre_zhennan
):
    bulk_cases(yannan_project, yannan_coop, 3, recorder=staff)
    client.force_login(superuser)
    url = reverse("admin:cases_cooperative_change", args=[yannan_coop.pk])
    response = client.post(url, _admin_data(client, url, village=zhennan.pk))
    assert response.status_code == 302, response.context and response.context["errors"]
    assert set(Visit.objects.values_list("village", flat=True)) == {zhennan.pk}
    assert len(_visible_visits(client, cadre_zhennan)) == Visit.objects.count()


def test_saving_a_cooperative_or_household_that_did_not_move_leaves_its_visits_alone(
    client, superuser, staff, yannan_project, yannan_coop
):
    """Renaming a cooperative or correcting a head's phone is not a move: its visits, perhaps
    thousands, are not read or rewritten for it."""
    household = bulk_cases(yannan_project, yannan_coop, 2, recorder=staff)[0].household
    client.force_login(superuser)
    pages = [
        (reverse("admin:cases_cooperative_change", args=[yannan_coop.pk]), {"name": "东头社"}),
        (
            reverse("admin:cases_household_change", args=[household.pk]),
            {"phone": "13900003333"} | _empty_inlines("members", "cases"),
        ),
    ]
    for url, changes in pages:
        data = _admin_data(client, url) | changes
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, data)
        assert response.status_code == 302, response.context and response.context["errors"]
        visit_table = Visit._meta.db_table
        assert not [q for q in queries if f'UPDATE "{visit_table}"' in q["sql"]], url


def test_a_case_moved_to_another_household_or_project_in_the_admin_takes_its_visits_along(
    client, superuser, staff, yannan_project, yannan_coop, zhennan_coop, zhennan_project
):
    from .factories import HouseholdFactory

    (case,) = bulk_cases(yannan_project, yannan_coop, 1, recorder=staff)
    elsewhere = HouseholdFactory(cooperative=zhennan_coop)
    client.force_login(superuser)
    url = reverse("admin:cases_case_change", args=[case.pk])
    data = _admin_data(client, url, household=elsewhere.pk, project=zhennan_project.pk)
    data |= _empty_inlines("visits")
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    visit = Visit.objects.get(case=case)
    assert (visit.project_id, visit.village_id) == (zhennan_project.pk, zhennan_coop.village_id)


def test_changing_a_visits_case_in_the_admin_moves_it_to_that_cases_village(
    client, superuser, staff, yannan_project, yannan_coop, zhennan_case
):
    (first,) = bulk_cases(yannan_project, yannan_coop, 1, recorder=staff)
    visit = Visit.objects.get(case=first)
    client.force_login(superuser)
    url = reverse("admin:cases_visit_change", args=[visit.pk])
    data = _admin_data(client, url, case=zhennan_case.pk, visitors=[staff.pk], concerns=[])
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    visit.refresh_from_db()
    assert visit.village_id == zhennan_case.household.cooperative.village_id
