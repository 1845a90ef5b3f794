"""Enrolling households from the admin: the project's page and the household list's action."""

from cases.models import Case

from ..factories import CooperativeFactory, HouseholdFactory
from .conftest import log_in, screenshot


def test_a_project_enrols_its_cooperatives_from_its_page(
    live_server, desktop_page, superuser, yannan_project, yannan_coop
):
    west = CooperativeFactory(village=yannan_coop.village, name="西头经济社")
    for coop, n in ((yannan_coop, 3), (west, 2)):
        for _ in range(n):
            HouseholdFactory(cooperative=coop)
    page = desktop_page
    log_in(page, live_server, "root")
    page.goto(f"{live_server.url}/admin/cases/project/{yannan_project.pk}/change/")

    page.click("text=纳入农户")
    assert page.locator("input[name=cooperatives]:checked").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    screenshot(page, "admin-project-enrol-zh-desktop")
    page.uncheck(f"#enrol-{west.pk}")
    page.click("input[type=submit].default")

    assert "已纳入 3 户，0 户原已在项目中。" in page.locator(".messagelist").inner_text()
    assert Case.objects.filter(project=yannan_project).count() == 3
    screenshot(page, "admin-project-enrolled-zh-desktop")


def test_selected_households_are_enrolled_in_a_project_they_belong_to(
    live_server, desktop_page_en, superuser, yannan_project, yannan_coop
):
    households = [HouseholdFactory(cooperative=yannan_coop) for _ in range(4)]
    page = desktop_page_en
    log_in(page, live_server, "root")
    page.goto(f"{live_server.url}/admin/cases/household/")
    for household in households[:3]:
        page.check(f"input[name=_selected_action][value='{household.pk}']")
    page.select_option("select[name=action]", "enrol_in_project")
    page.click("button[name=index]")

    assert "3 households selected." in page.locator("#content-main").inner_text()
    screenshot(page, "admin-household-enrol-en-desktop")
    page.check(f"input[name=project][value='{yannan_project.pk}']")
    page.click("input[type=submit].default")

    assert (
        "3 households enrolled, 0 already had a case." in page.locator(".messagelist").inner_text()
    )
    assert Case.objects.filter(project=yannan_project).count() == 3


def test_the_enrolment_table_scrolls_in_its_box_on_a_phone(
    live_server, phone_page_en, superuser, yannan_project, yannan_coop
):
    """Its six columns made the page 470 px wide on a 390 px phone: the admin's header and
    crumbs stopped short of the page's right side, which scrolled sideways."""
    HouseholdFactory(cooperative=yannan_coop)
    page = phone_page_en
    log_in(page, live_server, "root")
    page.goto(f"{live_server.url}/admin/cases/project/{yannan_project.pk}/enrol/")
    assert page.locator("input[name=cooperatives]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    screenshot(page, "admin-project-enrol-en-phone")


def test_each_project_to_enrol_in_is_a_whole_row_to_tap_on_a_phone(
    live_server, phone_page, superuser, yannan_project, yannan_coop
):
    """The choice was a 13 px radio button: its row, label and counts, is at least 44 px
    tall, and tapping the words chooses the project."""
    HouseholdFactory(cooperative=yannan_coop)
    page = phone_page
    log_in(page, live_server, "root")
    page.goto(f"{live_server.url}/admin/cases/household/")
    page.check("#action-toggle")
    page.select_option("select[name=action]", "enrol_in_project")
    page.click("button[name=index]")

    choice = page.locator("label", has=page.locator("input[name=project]"))
    assert "待纳入 1 户" in choice.inner_text()
    assert choice.bounding_box()["height"] >= 44
    for target in (page.locator(".submit-row input"), page.locator(".submit-row a.closelink")):
        assert target.bounding_box()["height"] >= 44
    choice.get_by_text(yannan_project.name).click()
    assert page.locator("input[name=project]").is_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    screenshot(page, "admin-household-enrol-zh-phone")
