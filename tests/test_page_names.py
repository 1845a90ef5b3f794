"""What pages and their controls are called: the home page's name, the lists' empty filter
choices, and the crumb from a detail page back to the list (with its filters) it came from."""

import re
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.backlinks import crumb_back
from cases.models import Vote
from cases.services import visit_record

from .factories import VoteFactory, bulk_cases

LANGUAGES = [("zh-CN", "首页", "项目一览"), ("en", "Home", "Project list")]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


# --- The home page is "Home" -------------------------------------------------------------------


@pytest.mark.parametrize(("language", "home", "project_list"), LANGUAGES)
def test_the_home_page_is_named_as_its_nav_link(
    client, staff, yannan_project, language, home, project_list
):
    """Its title read "Projects" (项目) where the nav, which marked it the current page, read
    "Home" (首页), beside a "Project list" that is another page."""
    client.force_login(staff)
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    title = _text(re.search(r"<title>(.*?)</title>", html, re.S)[1])
    h1 = _text(re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)[1])
    current = re.findall(r'<a href="([^"]*)" aria-current="page">([^<]*)</a>', html)
    assert title == f"{home} · landreform"
    assert h1 == home
    assert current == [(reverse("home"), home)]
    listed = client.get(reverse("project_list"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert _text(re.search(r"<title>(.*?)</title>", listed, re.S)[1]).startswith(project_list)


# --- Empty filter choices read "All" ---------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "everything", "default_order"),
    [("zh-CN", "全部", "默认顺序"), ("en", "All", "Default order")],
)
@pytest.mark.parametrize("page", ["case_list", "visit_list", "project_list"])
def test_empty_filter_choices_read_all(
    client, staff, yannan_case, language, everything, page, default_order
):
    """They read django-filter's "---------"."""
    client.force_login(staff)
    html = client.get(reverse(page), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    selects = dict(re.findall(r'<select name="(\w+)"[^>]*>\s*<option value=""[^>]*>([^<]*)<', html))
    assert "---------" not in html
    assert selects.pop("ordering") == default_order
    assert selects and set(selects.values()) == {everything}, selects


# --- Back to the list, with its filters --------------------------------------------------------


def test_a_crumb_leads_back_only_to_the_lists_it_names():
    """Built from the list's own URL and the query's parameters: whatever ``back`` holds, the
    crumb stays on the list pages of this site (no open redirect)."""
    cases = reverse("case_list")
    assert crumb_back(f"{cases}?project=3&status=signed&page=3", ("case_list",)).url == (
        f"{cases}?project=3&status=signed&page=3"
    )
    visits = crumb_back("/visits/?stance=opposed", ("case_list", "visit_list"))
    assert (visits.url, str(visits.label)) == ("/visits/?stance=opposed", "Visits")
    assert crumb_back("/cases/?q=<script>&a=%22", ("case_list",)).url == (
        "/cases/?q=%3Cscript%3E&a=%22"
    )
    for back in [
        "",
        "https://evil.example/cases/?x=1",
        "//evil.example/cases/?x=1",
        "javascript:alert(1)//cases/",
        "/admin/?x=1",
        "/cases/../admin/?x=1",
        "/visits/?stance=opposed",  # a list this page does not name
        "/cases/%2F%2Fevil.example",
        "\\\\evil.example/cases/",
    ]:
        crumb = crumb_back(back, ("case_list",))
        assert (crumb.url, str(crumb.label)) == (cases, "Cases"), back


def _crumb(html: str) -> tuple[str, str]:
    link = re.search(r'class="crumbs"[^>]*><ol><li><a href="([^"]*)"[^>]*>([^<]*)</a>', html)
    return link[1].replace("&amp;", "&"), link[2]


def test_the_household_crumb_returns_to_the_filtered_case_list_page(
    english_client, staff, yannan_project, yannan_coop
):
    """From page 3 of a filtered list, the crumb "Cases" led to the first page, unfiltered."""
    bulk_cases(yannan_project, yannan_coop, 120, recorder=staff)
    english_client.force_login(staff)
    listed = f"{reverse('case_list')}?project={yannan_project.pk}&ordering=number&page=3"
    html = english_client.get(listed).content.decode()
    household = re.search(r'href="(/households/\d+/\?back=[^"]+)"', html)[1]
    assert household.endswith("?back=" + quote(listed, safe=""))
    page = english_client.get(household.replace("&amp;", "&")).content.decode()
    assert _crumb(page) == (listed, "Cases")
    # A visit logged from there comes back to the household page, crumb and all.
    assert f"next={quote(household.replace('&amp;', '&'), safe='/')}" in page


def test_the_household_crumb_returns_to_the_visit_list_it_was_opened_from(
    english_client, staff, yannan_case
):
    visit_record(
        case=yannan_case, recorded_by=staff, visited_on=timezone.localdate(), stance="opposed"
    )
    english_client.force_login(staff)
    listed = f"{reverse('visit_list')}?stance=opposed"
    html = english_client.get(listed).content.decode()
    household = re.search(r'href="(/households/\d+/\?back=[^"]+)"', html)[1]
    page = english_client.get(household).content.decode()
    assert _crumb(page) == (listed, "Visits")


def test_the_household_crumb_ignores_a_back_that_is_not_a_list(english_client, staff, yannan_case):
    english_client.force_login(staff)
    url = reverse("household_detail", args=[yannan_case.household_id])
    for back in ["https://evil.example/cases/?x=1", "//evil.example/", "/admin/"]:
        page = english_client.get(url, {"back": back}).content.decode()
        assert _crumb(page) == (reverse("case_list"), "Cases")


def test_the_dashboard_crumb_returns_to_the_sorted_project_list(
    english_client, staff, yannan_project
):
    english_client.force_login(staff)
    listed = f"{reverse('project_list')}?status=in_progress&ordering=-signed"
    html = english_client.get(listed).content.decode()
    dashboard = re.search(r'href="(/projects/\d+/\?back=[^"]+)"', html)[1]
    assert _crumb(english_client.get(dashboard).content.decode()) == (listed, "Project list")
    plain = english_client.get(reverse("project_dashboard", args=[yannan_project.pk]))
    assert _crumb(plain.content.decode()) == (reverse("project_list"), "Project list")


def test_the_vote_crumb_returns_to_the_vote_list_it_came_from(english_client, staff, yannan):
    vote = VoteFactory(village=yannan, status=Vote.Status.DRAFT)
    english_client.force_login(staff)
    listed = f"{reverse('vote_list')}?project=1"
    html = english_client.get(listed).content.decode()
    detail = re.search(rf'href="(/votes/{vote.pk}/\?back=[^"]+)"', html)[1]
    assert _crumb(english_client.get(detail).content.decode()) == (listed, "Votes")
