"""The admin's own pages, where the site changes Django's layout (static/css/admin.css)."""

from ..factories import HouseholdFactory, MemberFactory, make_id_number
from .conftest import log_in, screenshot


def test_a_households_members_fit_the_page_and_show_whole_id_numbers(
    live_server, desktop_page, superuser, yannan_coop
):
    """The members inline was 1,800 px wide at 1280 (the page scrolled sideways); what does
    not fit now scrolls inside the inline, and an 18-character ID number is read whole."""
    household = HouseholdFactory(cooperative=yannan_coop)
    for n in range(3):
        MemberFactory(household=household, id_number=make_id_number(n + 900), phone="13800138000")
    page = desktop_page
    log_in(page, live_server, "root")
    page.goto(f"{live_server.url}/admin/cases/household/{household.pk}/change/")

    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    id_input = page.locator("#members-group td.field-id_number input").first
    assert id_input.input_value() == make_id_number(900)
    assert id_input.evaluate("e => e.scrollWidth <= e.clientWidth"), "the ID number is cut off"
    screenshot(page, "admin-household-members-zh-desktop")
