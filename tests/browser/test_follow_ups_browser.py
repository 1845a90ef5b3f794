""" "Whom do I visit next" on a phone, in a real browser: from the home page's follow-ups to
the households due, whose list starts on the first screen, and back out of a filter."""

import re
from datetime import timedelta

from django.utils import timezone

from cases.services import visit_record

from .conftest import PHONE, log_in, screenshot


def test_from_my_follow_ups_to_the_households_due_on_a_phone(
    live_server, phone_page, staff, yannan_case
):
    today = timezone.localdate()
    visit_record(
        case=yannan_case,
        recorded_by=staff,
        visited_on=today - timedelta(days=10),
        stance="opposed",
        next_follow_up_on=today - timedelta(days=2),
    )
    page = phone_page
    log_in(page, live_server, "staff")
    card = page.locator(".my-follow-ups")
    assert card.locator("[data-follow-ups=today] a").inner_text() == "1"
    screenshot(page, "home-follow-ups-zh-phone")

    card.locator("[data-follow-ups=today] a").click()
    page.wait_for_url(re.compile(r"/cases/\?mine=true&due=today"))
    chips = page.locator(".active-filters li")
    assert chips.count() == 3  # visited by me, follow-up due, sort
    assert "我走访过的" in page.locator(".active-filters").inner_text()
    row = page.locator("table.list tbody tr").first
    assert "黄惠家" in row.inner_text()
    box = row.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], box  # seen without scrolling
    screenshot(page, "case-list-follow-ups-zh-phone")

    page.locator(".active-filters li[data-filter=due] a.remove").click()
    page.wait_for_load_state()
    assert "due=" not in page.url and "mine=true" in page.url
    assert page.locator(".active-filters li").count() == 2
