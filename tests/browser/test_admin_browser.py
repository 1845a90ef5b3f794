"""The admin's own pages, where the site changes Django's layout (static/css/admin.css)."""

from datetime import date

from cases.models import ProcedureTemplate

from ..factories import HouseholdFactory, MemberFactory, acquisition_project, make_id_number
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


def test_a_projects_stages_and_a_templates_steps_fit_the_page(
    live_server, desktop_page_en, superuser, yannan
):
    """The stages inline of a project was 2,100 px wide at 1280 and a procedure template's
    steps 2,500 px: the whole page scrolled sideways, the save buttons off to the left."""
    project = acquisition_project(start=date(2021, 1, 11), villages=[yannan])
    template = ProcedureTemplate.objects.get(project_kind=project.kind, is_default=True)
    page = desktop_page_en
    log_in(page, live_server, "root")
    for name, url in (
        ("project", f"/admin/cases/project/{project.pk}/change/"),
        ("template", f"/admin/cases/proceduretemplate/{template.pk}/change/"),
    ):
        page.goto(live_server.url + url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"the {name} page is {width} px wide"
        screenshot(page, f"admin-{name}-stages-en-desktop")
