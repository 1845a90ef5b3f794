""" "Whom do I visit next": a visitor's own follow-ups on the home page, and the case list's
"visited by me" and "follow-up due" filters that the home page links to (and exports follow)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.dashboards import follow_ups_of
from cases.models import Case
from cases.services import visit_record

from .factories import CaseFactory, HouseholdFactory, ProjectFactory
from .test_export import download

TODAY = timezone.localdate


@pytest.fixture
def follow_ups(staff, cadre_yannan, yannan, yannan_coop, zhennan, zhennan_coop):
    """Cases in Yannan (and one in Zhennan) with their follow-ups, visited by staff or not."""
    today = TODAY()
    project = ProjectFactory(name="回访项目", villages=[yannan, zhennan])

    def case(number, coop=yannan_coop, visitor=staff, follow_up=None, status=None):
        household = HouseholdFactory(cooperative=coop, number=number, head_name=f"户主{number}")
        c = CaseFactory(project=project, household=household)
        if visitor:
            visit_record(
                case=c,
                recorded_by=visitor,
                visited_on=today - timedelta(days=20),
                stance="undecided",
                next_follow_up_on=today + timedelta(days=follow_up)
                if follow_up is not None
                else None,
            )
        if status:
            Case.objects.filter(pk=c.pk).update(
                status=status, agreement_signed_on=today - timedelta(days=1)
            )
        return c

    return {
        "overdue": case("01", follow_up=-3),
        "today": case("02", follow_up=0),
        "in five days": case("03", follow_up=5),
        "in ten days": case("04", follow_up=10),
        "no follow-up": case("05"),
        "signed, overdue": case("06", follow_up=-3, status="signed"),
        "cadre's, overdue": case("07", visitor=cadre_yannan, follow_up=-3),
        "never visited": case("08", visitor=None),
        "zhennan, overdue": case("09", coop=zhennan_coop, follow_up=-1),
    }


def _numbers(response) -> list[str]:
    return [c.household.number for c in response.context["page"]]


def test_follow_ups_count_the_users_own_open_cases_in_their_scope(follow_ups, staff, cadre_yannan):
    mine = follow_ups_of(staff, TODAY())
    assert (mine.today, mine.soon, mine.days) == (3, 4, 7)  # overdue ×2, today; + in 5 days
    theirs = follow_ups_of(cadre_yannan, TODAY())
    assert (theirs.today, theirs.soon) == (1, 1)  # their own case, not staff's


def test_a_cadre_does_not_count_a_case_visited_outside_their_villages(
    follow_ups, cadre_yannan, zhennan_coop
):
    zhennan_case = follow_ups["zhennan, overdue"]
    visit_record(
        case=zhennan_case,
        recorded_by=cadre_yannan,
        visited_on=TODAY() - timedelta(days=2),
        next_follow_up_on=TODAY() - timedelta(days=1),
    )
    assert follow_ups_of(cadre_yannan, TODAY()).today == 1  # their Yannan case only


def test_home_shows_my_follow_ups_with_links_to_the_list(client, follow_ups, staff):
    client.force_login(staff)
    page = client.get(reverse("home")).content.decode()
    assert "我的回访" in page
    assert 'href="/cases/?mine=true&amp;due=today&amp;ordering=follow_up">3</a>' in page
    assert 'href="/cases/?mine=true&amp;due=soon&amp;ordering=follow_up">4</a>' in page
    assert "7天内（含逾期）" in page  # the overdue are counted in both


def test_home_of_a_leader_has_no_follow_ups(client, follow_ups, leader):
    client.force_login(leader)
    response = client.get(reverse("home"))
    assert response.context["follow_ups"] is None
    assert "我的回访" not in response.content.decode()


def test_the_list_of_my_follow_ups_due_today_in_date_order(client, follow_ups, staff):
    client.force_login(staff)
    due_today = client.get(
        reverse("case_list"), {"mine": "true", "due": "today", "ordering": "follow_up"}
    )
    assert _numbers(due_today) == ["01", "09", "02"]  # 3 days late, 1 day late, today
    due_soon = client.get(
        reverse("case_list"), {"mine": "true", "due": "soon", "ordering": "follow_up"}
    )
    assert _numbers(due_soon) == ["01", "09", "02", "03"]
    everyone = client.get(reverse("case_list"), {"due": "today", "ordering": "follow_up"})
    assert _numbers(everyone) == ["01", "07", "09", "02"]  # the cadre's case too
    not_mine = client.get(reverse("case_list"), {"mine": "false", "ordering": "number"})
    assert _numbers(not_mine) == ["07", "08"]


def test_the_filters_speak_english_too(english_client, follow_ups, staff):
    english_client.force_login(staff)
    page = english_client.get(reverse("case_list")).content.decode()
    assert "visited by me" in page
    assert "within 7 days or overdue" in page and "today or overdue" in page
    home = english_client.get(reverse("home")).content.decode()
    assert "My follow-ups" in home and "Within 7 days, overdue included" in home


def test_an_unknown_due_value_is_a_clear_error_not_every_case(client, follow_ups, staff):
    client.force_login(staff)
    response = client.get(reverse("case_list"), {"due": "yesterday"})
    assert response.status_code == 200
    assert "due" in response.context["filter"].form.errors  # said beside the field
    assert "yesterday" in response.content.decode()


def test_the_export_holds_the_same_follow_ups(client, follow_ups, staff):
    rows = download(client, staff, "cases", "csv", mine="true", due="today")
    column = rows[0].index("household number")
    assert sorted(row[column] for row in rows[1:]) == ["01", "02", "09"]


def test_the_demos_staff_log_in_has_follow_ups_to_show(db):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from cases.management.commands.load_demo import FOLLOW_UP_PROJECT

    call_command("load_demo", verbosity=0)
    staff = get_user_model().objects.get(username="staff")
    open_with_follow_up = Case.objects.open().filter(
        project__name=FOLLOW_UP_PROJECT, next_follow_up_on__isnull=False
    )
    assert open_with_follow_up.count() > 0
    mine = follow_ups_of(staff, TODAY())
    assert mine.today == open_with_follow_up.filter(next_follow_up_on__lte=TODAY()).count() > 0
    call_command("load_demo", verbosity=0)  # safe to run again: nothing credited twice
    assert follow_ups_of(staff, TODAY()) == mine
    assert follow_ups_of(get_user_model().objects.get(username="cadre"), TODAY()).today == 0


# --- the filters a list is narrowed by, listed above the folded panel ---------------------------


def _active(response) -> dict[str, tuple[str, str]]:
    """{name: (label: value, removal query)} of the active-filter line."""
    import re

    page = response.content.decode()
    return {
        name: (re.sub(r"<[^>]+>", "", text).strip(), remove.replace("&amp;", "&"))
        for name, text, remove in re.findall(
            r'<li data-filter="(\w+)"><span>(.*?)</span><a href="\?([^"]*)" class="remove"', page
        )
    }


def test_the_list_says_what_it_is_filtered_by_and_each_filter_can_be_removed(
    english_client, follow_ups, staff
):
    english_client.force_login(staff)
    project = follow_ups["overdue"].project
    response = english_client.get(
        reverse("case_list"),
        {"mine": "true", "due": "today", "ordering": "follow_up", "project": project.pk, "page": 1},
    )
    active = _active(response)
    assert active == {
        "project": ("project: 回访项目", "mine=true&due=today&ordering=follow_up"),
        "due": (
            "follow-up due: today or overdue",
            f"mine=true&ordering=follow_up&project={project.pk}",
        ),
        "mine": ("visited by me: yes", f"due=today&ordering=follow_up&project={project.pk}"),
        "ordering": ("Sort by: next follow-up", f"mine=true&due=today&project={project.pk}"),
    }
    page = response.content.decode()
    assert "<details>" in page  # folded: the list starts on the first screen
    # Removing "follow-up due" lists every case the user visited.
    wider = english_client.get(reverse("case_list") + "?" + active["due"][1])
    assert _numbers(wider) == ["01", "06", "09", "02", "03", "04", "05"]  # none: last


def test_a_range_and_a_person_are_said_as_chosen(english_client, follow_ups, staff):
    english_client.force_login(staff)
    response = english_client.get(
        reverse("visit_list"),
        {"visitor": staff.pk, "visited_on_after": "2026-01-01", "visited_on_before": ""},
    )
    active = _active(response)
    assert active["visitor"][0] == "visitor: staff"
    assert active["visited_on"] == ("date of visit: 2026-01-01 – …", f"visitor={staff.pk}")


def test_filters_that_need_correcting_open_the_panel_and_list_nothing(
    english_client, follow_ups, staff
):
    english_client.force_login(staff)
    response = english_client.get(reverse("case_list"), {"due": "yesterday", "mine": "true"})
    page = response.content.decode()
    assert "<details open>" in page
    assert _active(response) == {}


def test_each_end_of_a_date_range_is_named(english_client, staff):
    """The visible label "date of visit" pointed at nothing (for=""), and a screen reader
    heard the two boxes as "from" and "to", of what it did not say."""
    english_client.force_login(staff)
    page = english_client.get(reverse("visit_list")).content.decode()
    assert '<label for="id_visited_on_0">date of visit</label>' in page
    assert 'name="visited_on_after" id="id_visited_on_0" aria-label="date of visit, from"' in page
    assert 'name="visited_on_before" id="id_visited_on_1" aria-label="date of visit, to"' in page


def test_admin_pages_link_the_sites_icon(client, staff):
    client.force_login(staff)
    page = client.get(reverse("admin:index")).content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in page
    assert "<title>" in page  # still Django's admin page
