"""What the users' walks through the app (staff on a doorstep, a cadre with the ballot sheet)
showed only in a browser: where a label sits in its button, where the page scrolls to."""

from cases import services
from cases.models import Voter
from tests.factories import bulk_cases, households_with_heads
from tests.test_votes_services import make_vote

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


def _cadre_opens_the_sheet(page, live_server, village, cooperative, staff, households):
    """An open vote of ``households`` households; cadre_yannan opens its ballot sheet. Its
    roll, in household order."""
    households_with_heads(cooperative, households)
    vote = services.vote_open(vote=make_vote(village, staff, cooperative=cooperative), user=staff)
    log_in(page, live_server, "cadre_yannan")
    page.goto(f"{live_server.url}/votes/{vote.pk}/ballots/")
    return Voter.objects.filter(vote=vote).order_by("household__number")


def test_the_sheet_shows_the_row_that_needs_attention_on_a_phone(
    live_server, phone_page, yannan, yannan_coop, staff, cadre_yannan
):
    """Door to door, the sheet is a long column of cards: after a save that refused one row,
    the page opened at its top with "see the messages in red" and the red card forty cards
    below. It now opens at that card, its choices ready."""
    page = phone_page
    voters = _cadre_opens_the_sheet(page, live_server, yannan, yannan_coop, staff, 40)
    last = voters.last()
    page.fill("input[name=cast_on]", "2021-01-17")
    page.check(f"input[name=choice-{last.pk}][value=for]")
    page.select_option(f"select[name=method-{last.pk}]", "proxy")  # without the proxy's name
    page.click(".sheet-save button")
    page.wait_for_load_state()
    row = page.locator("tr.has-error")
    assert row.count() == 1
    assert page.evaluate("document.activeElement.name") == f"choice-{last.pk}"
    screenshot(page, "votes-sheet-error-zh-phone")
    box = row.bounding_box()
    viewport = page.viewport_size
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], box


def test_the_status_chart_rows_are_a_finger_high_and_readable_on_a_phone(
    live_server, phone_page_en, yannan_project, yannan_coop, staff
):
    """Each row of "households by case status" opens the case list, but on a phone the
    chart shrank to half its size: rows 15 px apart, links 12 px high, words 7 px tall."""
    bulk_cases(yannan_project, yannan_coop, 12, recorder=staff)
    page = phone_page_en
    log_in(page, live_server, "staff")
    page.goto(f"{live_server.url}/projects/{yannan_project.pk}/")
    chart = page.locator("svg.chart.rows")
    chart.scroll_into_view_if_needed()
    screenshot(page, "dashboard-status-chart-en-phone")
    rows = page.evaluate(
        """() => [...document.querySelectorAll("svg.chart.rows a")].map(a => {
            const box = a.getBoundingClientRect();
            const label = a.querySelector("text.label").getBoundingClientRect();
            return {top: box.top, height: box.height, width: box.width, words: label.height};
        })"""
    )
    assert len(rows) == 7
    for row, following in zip(rows, rows[1:], strict=False):
        assert following["top"] - row["top"] >= 24, rows
    for row in rows:
        assert row["height"] >= 24 and row["width"] >= 300, row
        assert row["words"] >= 12, row


def test_the_dashboards_votes_and_cooperatives_are_one_card_each_on_a_phone(
    live_server, phone_page_en, yannan, yannan_project, yannan_coop, staff
):
    """The dashboard's votes were a nine-column table on a phone: the subject a column of
    single words, the figures unnamed once the table scrolled; the cooperatives' figures hid
    off the screen's edge."""
    bulk_cases(yannan_project, yannan_coop, 3, recorder=staff)
    vote = make_vote(yannan, staff, cooperative=yannan_coop, project=yannan_project)
    services.vote_open(vote=vote, user=staff)
    page = phone_page_en
    log_in(page, live_server, "staff")
    page.goto(f"{live_server.url}/projects/{yannan_project.pk}/")
    votes = page.locator("#votes-h").locator("xpath=..")
    votes.scroll_into_view_if_needed()
    screenshot(page, "dashboard-votes-en-phone")
    subject = votes.locator("tbody th a").first
    assert subject.inner_text() == vote.subject
    # one line (the link itself is a 44 px tap target)
    assert (
        subject.evaluate(
            "a => { const r = document.createRange(); r.selectNodeContents(a);"
            " return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }"
        )
        == 1
    )
    table = votes.locator("table")
    assert table.bounding_box()["width"] <= page.viewport_size["width"] - 32
    labels = page.evaluate(
        """() => [...document.querySelectorAll("table.votes tbody tr:first-child td")]
            .map(td => getComputedStyle(td, "::before").content)"""
    )
    assert '"eligible: "' in labels and '"approval: "' in labels
    cooperatives = page.locator("table.cooperatives")
    assert cooperatives.bounding_box()["width"] <= page.viewport_size["width"] - 32
    labels = page.evaluate(
        """() => [...document.querySelectorAll("table.cooperatives tbody tr:first-child td")]
            .map(td => getComputedStyle(td, "::before").content)"""
    )
    assert '"Area signed (mu): "' in labels


def test_the_vote_dates_stand_one_above_the_other_on_a_phone(live_server, browser, yannan, staff):
    """Side by side on a phone, each date box was 143 px wide and cut "mm/dd/yyyy" short
    under its calendar button."""
    from .conftest import DESKTOP, PHONE

    for viewport, stacked in ((PHONE, True), (DESKTOP, False)):
        context = browser.new_context(viewport=viewport, locale="en-US")
        page = context.new_page()
        log_in(page, live_server, "staff")
        page.goto(f"{live_server.url}/votes/new/")
        opens = page.locator("input[name=opens_on]").bounding_box()
        closes = page.locator("input[name=closes_on]").bounding_box()
        if stacked:
            screenshot(page, "vote-form-en-phone")
            assert closes["y"] >= opens["y"] + opens["height"], (opens, closes)
            assert opens["width"] >= 280, opens
        else:
            assert closes["y"] == opens["y"], (opens, closes)
        context.close()


def test_the_ballot_sheet_says_what_its_count_counts(
    live_server, phone_page_en, yannan, yannan_coop, staff, cadre_yannan
):
    """Beside the date the sheet showed "3 / 3", a figure nobody could read: now "3 of 3
    voters shown", which falls as the search narrows the roll."""
    page = phone_page_en
    first = _cadre_opens_the_sheet(page, live_server, yannan, yannan_coop, staff, 3).first()
    count = page.locator("[data-sheet-count]")
    assert count.inner_text() == "3 of 3 voters shown"
    page.fill("[data-sheet-search]", first.name)
    assert count.inner_text() == "1 of 3 voters shown"
    screenshot(page, "votes-sheet-search-en-phone")


def test_the_search_boxes_say_whole_what_they_search_on_a_phone(live_server, browser, staff, db):
    """On a phone the case and visit lists' search box read "Head of household or hou": its
    only hint, cut off."""
    from .conftest import PHONE

    for locale in ("en-US", "zh-CN"):
        context = browser.new_context(viewport=PHONE, locale=locale)
        page = context.new_page()
        log_in(page, live_server, "staff")
        for url in ("/cases/", "/visits/", "/projects/"):
            page.goto(live_server.url + url)
            fits = page.evaluate(
                """() => {
                const box = document.querySelector("input[name=q]"), style = getComputedStyle(box);
                const pen = document.createElement("canvas").getContext("2d");
                pen.font = style.font;
                const room = box.clientWidth - parseFloat(style.paddingLeft)
                    - parseFloat(style.paddingRight);
                return [pen.measureText(box.placeholder).width, room, box.placeholder];
            }"""
            )
            assert fits[0] <= fits[1], (locale, url, fits)
        context.close()


def test_the_result_notice_leaves_its_figures_room_on_a_phone(
    live_server, phone_page_en, yannan, yannan_coop, staff
):
    """The notice's label column was 12rem and its margins 2rem: on a phone the rule and its
    article ran a word a line down a third of the screen."""
    households_with_heads(yannan_coop, 3)
    vote = services.vote_open(vote=make_vote(yannan, staff, cooperative=yannan_coop), user=staff)
    page = phone_page_en
    log_in(page, live_server, "staff")
    page.goto(f"{live_server.url}/votes/{vote.pk}/notice/")
    table = page.locator(".notice-table").bounding_box()
    value = page.locator(".notice-table td").first.bounding_box()
    assert value["width"] >= 0.6 * table["width"], (value, table)
    screenshot(page, "vote-notice-en-phone")


UNCOVERED = """selector => {
    const element = document.querySelector(selector), box = element.getBoundingClientRect();
    const seen = document.elementFromPoint(box.left + 4, box.top + 4);  // its top edge
    return [box.top, element.contains(seen), seen && seen.className];
}"""


def test_nothing_pinned_hides_the_sheets_search_or_a_refused_row(
    live_server, browser, yannan, yannan_coop, staff, cadre_yannan
):
    """The top bar and the sheet's tools were both pinned at the top: on a desktop the bar
    covered the search box; on a phone it covered the search, and the refused row the page
    scrolls to sat under the bar's two rows. On a phone the bar now scrolls away."""
    from .conftest import DESKTOP, PHONE

    households_with_heads(yannan_coop, 40)
    vote = services.vote_open(vote=make_vote(yannan, staff, cooperative=yannan_coop), user=staff)
    last = Voter.objects.filter(vote=vote).order_by("household__number").last()
    for viewport in (DESKTOP, PHONE):
        context = browser.new_context(viewport=viewport, locale="en-US")
        page = context.new_page()
        log_in(page, live_server, "cadre_yannan")
        page.goto(f"{live_server.url}/votes/{vote.pk}/ballots/")
        page.mouse.wheel(0, 3000)
        page.wait_for_timeout(300)
        top, seen, covering = page.evaluate(UNCOVERED, ".sheet-tools label.search")
        if viewport is DESKTOP:
            assert top > 0 and seen, ("the search is covered", covering)  # pinned, in sight
        else:
            assert top < 0, "pinned on a phone"  # scrolled away with the top bar
            page.check(f"input[name=choice-{last.pk}][value=for]")
            page.select_option(f"select[name=method-{last.pk}]", "proxy")  # no proxy named
            page.click(".sheet-save button")
            page.wait_for_load_state()
            top, seen, covering = page.evaluate(UNCOVERED, "tr.has-error td")
            assert top > 0 and seen, ("the refused row is covered", covering)
            screenshot(page, "votes-sheet-refused-en-phone")
        context.close()
