"""What the users' walks through the app (staff on a doorstep, a cadre with the ballot sheet)
showed only in a browser: where a label sits in its button, where the page scrolls to."""

from tests.factories import bulk_cases

from .conftest import log_in, screenshot


def test_log_a_visit_reads_in_the_middle_of_its_button_on_a_phone(
    live_server, phone_page, yannan_project, yannan_coop, staff
):
    """On a phone the case list's "log a visit" fills the card's width; its label sat in the
    top left corner (a.button's inline-block won over .button's centring flex box)."""
    bulk_cases(yannan_project, yannan_coop, 2, recorder=staff)
    page = phone_page
    log_in(page, live_server, "staff")
    page.goto(f"{live_server.url}/cases/")
    screenshot(page, "case-list-button-zh-phone")
    offsets = page.evaluate(
        """() => {
        const button = document.querySelector("table.list .row-action .button");
        const range = document.createRange();
        range.selectNodeContents(button);
        const text = range.getBoundingClientRect(), box = button.getBoundingClientRect();
        return {
            x: Math.abs((text.left + text.right) / 2 - (box.left + box.right) / 2),
            y: Math.abs((text.top + text.bottom) / 2 - (box.top + box.bottom) / 2),
        };
    }"""
    )
    assert offsets["x"] <= 2 and offsets["y"] <= 2, offsets
