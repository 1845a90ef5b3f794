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


def test_the_show_buttons_fit_their_card_and_a_finger(live_server, phone_page_en):
    """On a phone the number and its "Show" ran past the card's edge, and "Show" was a 28×21
    target; the button now goes under the number when there is no room, and is 40px high."""
    call_command("load_demo", verbosity=0)
    household = Household.objects.filter(cooperative__village__name="烟南村").order_by("pk")[0]
    log_in(phone_page_en, live_server, "admin", "jiujiang-demo")
    phone_page_en.goto(f"{live_server.url}/households/{household.pk}/")
    boxes = phone_page_en.evaluate(
        """() => [...document.querySelectorAll("button.reveal")].map(b => {
        const r = b.getBoundingClientRect(), card = b.closest(".card").getBoundingClientRect();
        return {height: r.height >= 40, width: r.width >= 40, inside: r.right <= card.right};
    })"""
    )
    assert boxes and all(b == {"height": True, "width": True, "inside": True} for b in boxes)
