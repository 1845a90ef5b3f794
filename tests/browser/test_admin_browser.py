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


def test_the_admins_date_time_and_autocomplete_widgets_speak_chinese(
    live_server, desktop_page, superuser, staff, two_villages
):
    """The calendar's weekday headings read M T W T F S S and the role selector said
    "Choose all 组" on a Chinese page (Django's zh_Hans catalog leaves them in English)."""
    page = desktop_page
    log_in(page, live_server, "root")
    page.goto(f"{live_server.url}/admin/cases/visit/add/")
    assert page.locator(".field-visited_on .datetimeshortcuts a").first.inner_text() == "今天"
    page.locator(".field-visited_on a[id^=calendarlink]").click()
    calendar = page.locator(".calendarbox").first
    assert calendar.locator("th").all_inner_texts() == ["一", "二", "三", "四", "五", "六", "日"]
    assert "今天" in calendar.inner_text() and "取消" in calendar.inner_text()
    screenshot(page, "admin-calendar-zh-desktop")

    page.goto(f"{live_server.url}/admin/cases/vote/add/")
    page.locator(".field-project .select2-selection").click()
    page.keyboard.type("无此项目")
    page.wait_for_selector(".select2-results__message")
    assert page.inner_text(".select2-results__message") == "未找到结果"

    page.goto(f"{live_server.url}/admin/auth/user/{staff.pk}/change/")
    page.locator(".field-last_login a[id^=clocklink]").click()
    clock = page.locator(".clockbox").first
    assert "选择一个时间" in clock.inner_text() and "现在" in clock.inner_text()
    screenshot(page, "admin-clock-zh-desktop")
    selector = page.locator(".field-groups .selector").inner_text()
    assert "选择全部" in selector and "移除全部" in selector
    assert "Choose" not in selector and "Remove" not in selector
