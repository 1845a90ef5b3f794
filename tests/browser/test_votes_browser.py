"""A cadre enters paper ballots on the one-page sheet with the keyboard and sees the tally."""

from datetime import date

import pytest

from cases import services
from cases.models import Ballot, Vote, Voter
from tests.factories import HouseholdFactory

from .conftest import log_in, screenshot

DAY = date(2021, 1, 16)


def open_a_vote(
    subject, cooperative, staff, heads=("关志伟", "梁丽华", "陈家俊", "黄秀英", "李国强", "何美珍")
):
    """A group meeting's vote, one ballot per household, open from DAY: a household for each
    of ``heads`` in ``cooperative``."""
    for name in heads:
        HouseholdFactory(cooperative=cooperative, head_name=name)
    vote = services.vote_create(
        subject=subject,
        village=cooperative.village,
        cooperative=cooperative,
        rule_code=Vote.Rule.GROUP_MEETING,
        basis=Vote.Basis.HOUSEHOLD,
        opens_on=DAY,
        closes_on=date(2021, 1, 22),
        user=staff,
    )
    return services.vote_open(vote=vote, user=staff)


@pytest.fixture
def open_vote(yannan, yannan_coop, staff):
    return open_a_vote("《土地前期整理方案和协议》", yannan_coop, staff)


def test_a_cadre_enters_ballots_with_the_keyboard_and_sees_the_tally(
    live_server, desktop_page, open_vote, cadre_yannan
):
    page = desktop_page
    log_in(page, live_server, "cadre_yannan")
    page.goto(f"{live_server.url}/votes/{open_vote.pk}/ballots/")
    page.fill("input[name=cast_on]", "2021-01-17")

    # Search by name: only 陈家俊's row stays; Enter jumps to its first radio button.
    page.fill("[data-sheet-search]", "陈家")
    assert page.locator(".sheet-table tbody tr:visible").count() == 1
    page.press("[data-sheet-search]", "Enter")
    page.keyboard.press("Space")  # "for"
    page.keyboard.press("Tab")  # how cast
    page.keyboard.press("Tab")  # proxy's name
    page.keyboard.type("陈少玲")  # typing a proxy switches "how cast" to proxy
    chen = Voter.objects.get(vote=open_vote, name="陈家俊")
    assert page.input_value(f"select[name=method-{chen.pk}]") == "proxy"

    # By household number: arrow keys move within the row's radio group.
    li = Voter.objects.get(vote=open_vote, name="李国强")
    page.fill("[data-sheet-search]", li.household.number)
    page.press("[data-sheet-search]", "Enter")
    page.keyboard.press("ArrowRight")  # for → against
    assert page.is_checked(f"input[name=choice-{li.pk}][value=against]")

    page.fill("[data-sheet-search]", "")
    screenshot(page, "votes-sheet-zh")
    page.click(".sheet-save button")
    page.wait_for_load_state()

    # Back on the sheet, on the same day, for the next ballot; the tally is one link away.
    assert page.url.endswith(f"/votes/{open_vote.pk}/ballots/?cast_on=2021-01-17")
    assert page.input_value("input[name=cast_on]") == "2021-01-17"
    page.click(f"p.muted a[href='/votes/{open_vote.pk}/']")
    page.wait_for_load_state()
    ballots = {b.voter.name: (b.choice, b.method, b.proxy_name) for b in Ballot.objects.all()}
    assert ballots == {"陈家俊": ("for", "proxy", "陈少玲"), "李国强": ("against", "in_person", "")}
    assert Ballot.objects.get(voter=li).cast_on == date(2021, 1, 17)
    tally = page.locator("#tally").inner_text()
    assert "2" in tally and "33.3%" in tally  # 2 of 6 cast
    assert "关志伟" in page.locator(".not-voted").inner_text()
    screenshot(page, "votes-tally-zh")

    page.goto(f"{live_server.url}/votes/{open_vote.pk}/notice/")
    assert "《村民委员会组织法》第二十八条" in page.content()
    screenshot(page, "votes-notice-zh")


def test_the_vote_pages_speak_english(live_server, desktop_page_en, open_vote, cadre_yannan):
    page = desktop_page_en
    voters = list(Voter.objects.filter(vote=open_vote).order_by("pk"))
    services.ballot_cast_many(
        vote=open_vote,
        entries=[
            services.BallotEntry(v.pk, c)
            for v, c in zip(voters[:5], ["for"] * 4 + ["against"], strict=True)
        ],
        cast_on=DAY,
        user=cadre_yannan,
    )
    log_in(page, live_server, "cadre_yannan")
    page.goto(f"{live_server.url}/votes/{open_vote.pk}/ballots/")
    assert "Ballot sheet" in page.content()
    screenshot(page, "votes-sheet-en")
    page.goto(f"{live_server.url}/votes/{open_vote.pk}/")
    assert "Quorum met." in page.content() and "Passed." in page.content()
    screenshot(page, "votes-tally-en")
    page.goto(f"{live_server.url}/votes/{open_vote.pk}/notice/")
    assert "Provisional" in page.content()
    screenshot(page, "votes-notice-en")


def test_the_set_up_form_fits_a_phone(live_server, phone_page_en, staff):
    """The two date pickers side by side used to push the page 17px wider than the phone."""
    page = phone_page_en
    log_in(page, live_server, "staff")
    page.goto(f"{live_server.url}/votes/new/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the set-up page is {width}px wide"


def test_a_row_error_on_the_sheet_is_read_whole(
    live_server, desktop_page_en, open_vote, cadre_yannan
):
    """The row's message wraps inside the table (it was cut at the table's edge) and the
    "how cast" list shows the whole of its choice (it showed "by written pr")."""
    page = desktop_page_en
    voter = Voter.objects.filter(vote=open_vote).order_by("pk").first()
    log_in(page, live_server, "cadre_yannan")
    page.goto(f"{live_server.url}/votes/{open_vote.pk}/ballots/")
    page.fill("input[name=cast_on]", "2021-01-17")
    page.check(f"input[name=choice-{voter.pk}][value=for]")
    page.select_option(f"select[name=method-{voter.pk}]", "proxy")
    page.click(".sheet-save button")
    page.wait_for_load_state()
    error = page.locator("tr.has-error td.row-errors")
    assert "proxy" in error.inner_text()
    fits = page.evaluate(
        """() => {
        const cell = document.querySelector("tr.has-error td.row-errors").getBoundingClientRect();
        const box = document.querySelector(".table-scroll").getBoundingClientRect();
        const select = document.querySelector("tr.has-error select");
        const text = document.createElement("span");
        text.style.font = getComputedStyle(select).font;
        text.textContent = select.selectedOptions[0].textContent;
        document.body.append(text);
        const needed = text.getBoundingClientRect().width;
        return {error: cell.right <= box.right + 1, select: select.clientWidth > needed};
    }"""
    )
    assert fits == {"error": True, "select": True}


def test_a_cadre_records_a_door_to_door_ballot_on_a_phone(
    live_server, phone_page, open_vote, cadre_yannan
):
    """Door to door (入户送表决票) the sheet is used on a phone: every voter's three choices,
    how cast and the proxy are within the screen's width, and a ballot is recorded with taps."""
    page = phone_page
    log_in(page, live_server, "cadre_yannan")
    page.goto(f"{live_server.url}/votes/{open_vote.pk}/ballots/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the sheet is {width}px wide"
    he = Voter.objects.get(vote=open_vote, name="何美珍")
    for selector in [
        f"input[name=choice-{he.pk}][value=abstain]",
        f"select[name=method-{he.pk}]",
        f"input[name=proxy-{he.pk}]",
    ]:
        box = page.locator(selector).bounding_box()
        assert box and box["x"] + box["width"] <= page.viewport_size["width"], selector
    page.fill("input[name=cast_on]", "2021-01-18")
    page.fill("[data-sheet-search]", "何美珍")
    page.click(f"label:has(input[name=choice-{he.pk}][value=against])")
    page.select_option(f"select[name=method-{he.pk}]", "door_to_door")
    screenshot(page, "votes-sheet-zh-phone")
    page.click(".sheet-save button")
    page.wait_for_url(f"**/votes/{open_vote.pk}/ballots/?cast_on=2021-01-18")
    ballot = Ballot.objects.get(voter=he)
    assert (ballot.choice, ballot.method, ballot.cast_on) == (
        "against",
        "door_to_door",
        date(2021, 1, 18),
    )


def test_the_printed_notice_has_no_buttons(live_server, desktop_page, open_vote, leader):
    """Printed for the notice board, the notice showed "Back to the tally" and "Print" above
    its title: the page's button row (.actions) came later in the style sheet than the print
    rule that hides it."""
    page = desktop_page
    log_in(page, live_server, "leader")
    page.goto(f"{live_server.url}/votes/{open_vote.pk}/notice/")
    assert page.locator(".no-print").is_visible()
    page.emulate_media(media="print")
    screenshot(page, "votes-notice-zh-print")
    assert not page.locator(".no-print").is_visible()
    assert page.locator("article.notice h1").is_visible()


def test_the_vote_list_is_one_card_per_vote_on_a_phone(
    live_server, phone_page, open_vote, cadre_yannan
):
    """The list was a seven-column table on a phone, its subject one character a line."""
    page = phone_page
    log_in(page, live_server, "cadre_yannan")
    page.goto(f"{live_server.url}/votes/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the vote list is {width}px wide"
    assert not page.locator("table.votes thead").is_visible()
    subject = page.locator("table.votes tbody th a").first
    assert subject.inner_text() == open_vote.subject
    # one line, not a column of characters (the link itself is a 44 px tap target)
    assert (
        subject.evaluate(
            "a => { const r = document.createRange(); r.selectNodeContents(a);"
            " return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }"
        )
        == 1
    )
    labels = page.evaluate(
        """() => [...document.querySelectorAll("table.votes tbody tr:first-child td")]
            .map(td => getComputedStyle(td, "::before").content)"""
    )
    assert '"已投／应投："' in labels  # each figure says what it is
    screenshot(page, "vote-list-zh-phone")
