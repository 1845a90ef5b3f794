"""The deliberate reveal of a whole number, in a real browser: masked until "show" is clicked,
then whole, and the reveal is logged."""

from django.core.management import call_command

from cases.models import Household, RevealLog

from .conftest import log_in, screenshot


def test_an_administrator_reveals_a_number_and_it_is_logged(live_server, phone_page):
    call_command("load_demo", verbosity=0)
    household = Household.objects.filter(cooperative__village__name="烟南村").order_by("pk")[0]
    log_in(phone_page, live_server, "admin", "jiujiang-demo")
    phone_page.goto(f"{live_server.url}/households/{household.pk}/")
    html = phone_page.content()
    assert household.head_id_number not in html
    assert household.masked_id_number in html
    assert "变更记录" in html  # the household's history is on the page
    button = phone_page.locator('button.reveal[data-field="head_id_number"]')
    button.click()
    phone_page.wait_for_selector(".personal-number-value.revealed")
    assert household.head_id_number in phone_page.content()
    screenshot(phone_page, "household-reveal-zh-phone")
    log = RevealLog.objects.get()
    assert (log.user.username, log.household_id, log.field) == (
        "admin",
        household.pk,
        "head_id_number",
    )


def test_a_cadre_sees_no_show_button(live_server, phone_page):
    call_command("load_demo", verbosity=0)
    household = Household.objects.filter(cooperative__village__name="烟南村").order_by("pk")[0]
    log_in(phone_page, live_server, "cadre", "jiujiang-demo")
    phone_page.goto(f"{live_server.url}/households/{household.pk}/")
    assert phone_page.locator("button.reveal").count() == 0
    assert household.masked_id_number in phone_page.content()
