"""The daily walk on the demo data: a staff member opens the Yannan project from the home page,
finds an opposed household, logs a visit, and sees it on the household page and in the
dashboard's figures; in Chinese and English, on a phone (390×844) and a desktop window.
Screenshots of every page go to docs/screenshots/<page>-<language>-<device>.png."""

import re

from cases.models import Case, Visit

from .conftest import log_in, screenshot

YANNAN = "临港国际产业社区（烟南片区）土地征收"
WORDS = {
    "zh": {"saved": "已保存对", "home": "首页", "log": "登记走访"},
    "en": {"saved": "saved", "home": "Home", "log": "Log a visit"},
}


def _figure(page, key) -> str:
    return page.locator(f"[data-figure={key}]").get_attribute("data-count")


def _no_horizontal_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide"


def _cell_labels_shown(page) -> bool:
    """Whether list cells carry their column's name (cards on a phone, not in a desktop table)."""
    content = page.evaluate(
        "getComputedStyle(document.querySelector('table.list td[data-label]'), '::before').content"
    )
    return content not in ("none", "normal", "")


def walk(page, live_server, language, device):
    words = WORDS[language]
    name = f"{language}-{device}"
    log_in(page, live_server, "staff", password="jiujiang-demo")
    assert page.locator("h1").inner_text() == words["home"]
    screenshot(page, f"home-{name}")
    _no_horizontal_scroll(page)

    page.click(f"a:text-is('{YANNAN}')")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == YANNAN
    dashboard = page.url
    opposed_before = int(_figure(page, "opposed"))
    supportive_before = int(_figure(page, "supportive"))
    assert opposed_before == Case.objects.filter(project__name=YANNAN, stance="opposed").count()
    _no_horizontal_scroll(page)

    # The funnel's "opposed" bar leads to the opposed households of the project.
    page.click("svg a[href*='status=opposed']")
    page.wait_for_load_state()
    rows = page.locator("table.list tbody tr")
    assert rows.count() == opposed_before
    household_link = rows.first.locator("a[href*='/households/']")
    # Its path; the link carries this list as ?back= for the household page's crumb.
    household_url = household_link.get_attribute("href").split("?")[0]
    screenshot(page, f"case-list-{name}")
    assert _cell_labels_shown(page) == (device == "phone")
    _no_horizontal_scroll(page)
    rows.first.locator("a[href*='/visits/new/']").click()
    page.wait_for_load_state()

    assert page.locator("h1").inner_text() == words["log"]
    screenshot(page, f"visit-form-{name}")
    _no_horizontal_scroll(page)
    page.check("input[name=stance][value=supportive]")
    page.check("input[name=concerns][value=compensation]")
    page.select_option("select[name=place]", "workplace")
    page.fill("textarea[name=notes]", f"浏览器测试 {name}：同意签约")
    page.dblclick("form.visit-form button[type=submit]")  # an impatient thumb: stored once
    page.wait_for_url(re.compile(r"/cases/\?.*status=opposed"))  # back where we came from
    page.wait_for_load_state()
    assert words["saved"] in page.locator(".messages").inner_text()
    assert page.locator("table.list tbody tr").count() == opposed_before - 1
    assert Visit.objects.filter(notes__startswith="浏览器测试").count() == 1

    page.goto(live_server.url + household_url)
    timeline = page.locator("ol.timeline.visits")
    assert f"浏览器测试 {name}" in timeline.inner_text()
    screenshot(page, f"household-{name}")
    assert _cell_labels_shown(page) == (device == "phone")  # the members, as cards on a phone
    _no_horizontal_scroll(page)

    page.goto(dashboard)
    assert int(_figure(page, "opposed")) == opposed_before - 1
    assert int(_figure(page, "supportive")) == supportive_before + 1
    desc = page.locator("#weeks-d").text_content()
    assert re.search(r": 1$", desc.strip()), desc  # this week's column counts the visit
    screenshot(page, f"dashboard-{name}")

    page.goto(dashboard)
    page.click("p.actions a[href*='/visits/']")
    page.wait_for_load_state()
    assert household_url in page.locator("table.list tbody tr").first.inner_html()
    screenshot(page, f"visit-list-{name}")
    _no_horizontal_scroll(page)


def test_staff_logs_a_visit_on_a_phone_in_chinese(live_server, phone_page, demo):
    walk(phone_page, live_server, "zh", "phone")


def test_staff_logs_a_visit_on_a_phone_in_english(live_server, phone_page_en, demo):
    walk(phone_page_en, live_server, "en", "phone")


def test_staff_logs_a_visit_on_a_desktop_in_chinese(live_server, desktop_page, demo):
    walk(desktop_page, live_server, "zh", "desktop")


def test_staff_logs_a_visit_on_a_desktop_in_english(live_server, desktop_page_en, demo):
    walk(desktop_page_en, live_server, "en", "desktop")
