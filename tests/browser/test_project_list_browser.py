"""Every project at a glance, as township staff on the demo data: the project list from the
navigation, filtered to the projects in progress, sorted by signed % (the header on a desktop,
"Sort by" on a phone, where each project is a card), and a row followed to its dashboard; in
Chinese and English, on a phone (390×844) and a desktop window. Screenshots go to
project-list-<language>-<device>.png."""

import pytest

from cases.models import Project

from .conftest import log_in, screenshot
from .test_fieldwork_browser import _cell_labels_shown, _no_horizontal_scroll

WORDS = {
    "zh": {"list": "项目一览", "in_progress": "进行中"},
    "en": {"list": "Project list", "in_progress": "in progress"},
}


def _signed(page) -> list[str]:
    return page.locator("tbody td[data-figure=signed]").all_inner_texts()


def walk(page, live_server, language, device):
    words = WORDS[language]
    name = f"{language}-{device}"
    log_in(page, live_server, "staff", password="jiujiang-demo")
    page.click(f"nav.topnav a:text-is('{words['list']}')")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == words["list"]
    rows = page.locator("table.project-table tbody tr")
    assert rows.count() == Project.objects.count()

    page.click("form.filters details summary")
    page.select_option("select[name=status]", Project.Status.ACTIVE)
    page.click("form.filters .actions button[type=submit]")
    page.wait_for_load_state()
    active = Project.objects.filter(status=Project.Status.ACTIVE)
    assert rows.count() == active.count() == 2
    assert words["in_progress"] in page.locator("[data-filter=status]").inner_text()
    assert _signed(page) == ["96.4%", "100.0%"]  # newest first: Yannan, then Nanyang

    if device == "desktop":
        page.click("thead a[data-sort=signed]")  # figures sort largest first
    else:  # no header on a phone: the folded "Sort by"
        page.click("form.filters details summary")
        page.select_option("select[name=ordering]", "-signed")
        page.click("form.filters .actions button[type=submit]")
    page.wait_for_load_state()
    assert "ordering=-signed" in page.url and "status=active" in page.url
    assert _signed(page) == ["100.0%", "96.4%"]
    assert _cell_labels_shown(page) == (device == "phone")
    _no_horizontal_scroll(page)
    screenshot(page, f"project-list-{name}")

    first = rows.first.locator("th a")
    project_name = first.inner_text()
    first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == project_name
    assert page.locator("[data-figure=signed]").get_attribute("data-count") is not None


@pytest.mark.parametrize(
    "page_fixture, language, device",
    [
        ("phone_page", "zh", "phone"),
        ("phone_page_en", "en", "phone"),
        ("desktop_page", "zh", "desktop"),
        ("desktop_page_en", "en", "desktop"),
    ],
)
def test_staff_filters_sorts_and_opens_a_project(
    request, live_server, demo, page_fixture, language, device
):
    walk(request.getfixturevalue(page_fixture), live_server, language, device)
