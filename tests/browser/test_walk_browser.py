"""Frictions found walking the users' tasks end to end (staff on a doorstep, a cadre with a
stack of paper ballots, a leader before a meeting), each fixed and held here."""

import pytest

from cases import services
from cases.models import Voter

from .conftest import DESKTOP, PHONE, _context, log_in, screenshot
from .test_votes_browser import DAY, open_a_vote

#: A subject as long as real ones are: wider than a phone's line by itself.
LONG_SUBJECT = (
    "东头经济社土地补偿费留存部分分配方案及集体经济组织成员安置补偿实施细则（第二次表决）"
)


@pytest.fixture
def long_vote(yannan, yannan_coop, staff, cadre_yannan):
    vote = open_a_vote(LONG_SUBJECT, yannan_coop, staff, heads=["关志伟"])
    services.ballot_cast(
        vote=vote,
        voter=Voter.objects.get(vote=vote),
        choice="for",
        cast_on=DAY,
        user=cadre_yannan,
    )
    return vote


def _crumbs(page) -> dict:
    """The crumbs' line boxes, the page's width, and each link: its text, title, whether it
    is cut short and whether it lies within the screen."""
    return page.evaluate(
        """() => {
          const nav = document.querySelector('main .crumbs');
          const links = [...nav.querySelectorAll('a')].map(a => {
            const r = a.getBoundingClientRect();
            return {text: a.textContent, title: a.title, cut: a.scrollWidth > a.clientWidth,
                    inside: r.left >= 0 && r.right <= window.innerWidth, top: Math.round(r.top)};
          });
          return {height: nav.getBoundingClientRect().height, links,
                  overflow: document.documentElement.scrollWidth > window.innerWidth};
        }"""
    )


@pytest.mark.parametrize(
    ("viewport", "locale", "name"), [(PHONE, "zh-CN", "phone"), (DESKTOP, "en-US", "desktop")]
)
def test_the_crumbs_stay_on_one_line_whatever_the_vote_is_called(
    live_server, browser, long_vote, viewport, locale, name
):
    """On a phone a long vote title wrapped the ballot pages' crumbs to three lines; they are
    one line, the title cut with an ellipsis, its whole text in the link and its title."""
    context = _context(browser, viewport, locale)
    page = context.new_page()
    log_in(page, live_server, "cadre_yannan")
    ballot = long_vote.ballots.get()
    tap = 44 if viewport is PHONE else 24
    for path in (f"/votes/{long_vote.pk}/ballots/", f"/votes/{long_vote.pk}/ballots/{ballot.pk}/"):
        page.goto(live_server.url + path)
        crumbs = _crumbs(page)
        assert crumbs["height"] <= tap + 1, (path, crumbs)
        assert len({link["top"] for link in crumbs["links"]}) == 1, (path, crumbs)
        assert all(link["inside"] for link in crumbs["links"]), (path, crumbs)
        assert not crumbs["overflow"], path
        subject = crumbs["links"][1]
        assert subject["text"] == subject["title"] == LONG_SUBJECT
        if viewport is PHONE:
            assert subject["cut"], path
            # The other crumbs are read whole.
            assert not any(link["cut"] for i, link in enumerate(crumbs["links"]) if i != 1)
    screenshot(page, f"ballot-crumbs-{locale[:2]}-{name}")
    context.close()


def test_the_case_lists_rows_keep_their_dates_whole_and_their_cells_in_line(
    live_server, browser, demo
):
    """On a desktop in English the staff's case list broke "2021-05-20" after its second
    hyphen, and the "Log a visit" cell, left a block, drew its border below the row's."""
    from cases.models import Project

    context = _context(browser, DESKTOP, "en-US")
    page = context.new_page()
    log_in(page, live_server, "staff", "jiujiang-demo")
    project = Project.objects.get(name__contains="烟南")
    page.goto(f"{live_server.url}/cases/?project={project.pk}&status=opposed")
    rows = page.evaluate(
        """() => [...document.querySelectorAll('table.list tbody tr')].map(tr => ({
             row: tr.getBoundingClientRect().bottom,
             cells: [...tr.children].map(c => c.getBoundingClientRect().bottom),
             days: [...tr.querySelectorAll('time')].map(t => t.getClientRects().length),
           }))"""
    )
    assert len(rows) == 5  # the demo's households still opposed
    for row in rows:
        assert all(abs(bottom - row["row"]) < 1 for bottom in row["cells"]), row
        assert row["days"] and set(row["days"]) == {1}, row
    screenshot(page, "case-list-opposed-en-desktop")
    context.close()


def test_only_those_not_yet_recorded_stays_ticked_through_a_save(
    live_server, phone_page, yannan_coop, staff, cadre_yannan
):
    """A cadre entering a stack of paper ballots ticked "only those not yet recorded", saved
    the first few, and found the whole roll back, recorded rows and all: the box is kept
    ticked through the save, in this tab."""
    vote = open_a_vote("《方案》", yannan_coop, staff, heads=["关志伟", "梁丽华", "陈家俊"])
    page = phone_page
    log_in(page, live_server, "cadre_yannan")
    page.goto(f"{live_server.url}/votes/{vote.pk}/ballots/")
    page.fill("input[name=cast_on]", "2021-01-17")
    page.check("[data-sheet-pending]")
    guan = Voter.objects.get(vote=vote, name="关志伟")
    page.check(f"input[name=choice-{guan.pk}][value=for]")
    page.click(".sheet-save button")
    page.wait_for_load_state()

    assert vote.ballots.count() == 1
    assert page.is_checked("[data-sheet-pending]")
    shown = page.locator(".sheet-table tbody tr:visible").all_inner_texts()
    assert len(shown) == 2 and not any("关志伟" in row for row in shown)


def test_the_correction_form_stands_apart_from_the_ballot_it_corrects(
    live_server, phone_page, long_vote
):
    """On the ballot page the correction card touched the ballot's last line ("recorded by")."""
    page = phone_page
    log_in(page, live_server, "cadre_yannan")
    page.goto(f"{live_server.url}/votes/{long_vote.pk}/ballots/{long_vote.ballots.get().pk}/")
    gap = page.evaluate(
        """() => document.querySelector('form.correction').getBoundingClientRect().top
                 - document.querySelector('main dl.facts').getBoundingClientRect().bottom"""
    )
    assert gap >= 12
    screenshot(page, "ballot-correction-zh-phone")


def test_a_search_on_the_sheet_that_shows_no_one_says_why(live_server, phone_page, long_vote):
    """A cadre at a door, "only those not yet recorded" ticked, looked for a voter already
    recorded and read "0 of 1 voters shown", as if they were not on the roll. A search that
    shows no one says why: those found are recorded (untick the box to see them), or no one
    on the roll matches."""
    page = phone_page
    log_in(page, live_server, "cadre_yannan")
    page.goto(f"{live_server.url}/votes/{long_vote.pk}/ballots/")
    note = page.locator("[data-sheet-none]")
    assert not note.is_visible()

    page.check("[data-sheet-pending]")
    page.fill("[data-sheet-search]", "关志伟")
    assert note.inner_text() == (
        "找到的投票人（1名）均已录入：取消勾选“只显示尚未录入的”即可查看。"
    )
    screenshot(page, "ballot-search-recorded-zh-phone")

    page.fill("[data-sheet-search]", "梁国")
    assert note.inner_text() == "本名册中没有与“梁国”相符的投票人。"

    page.uncheck("[data-sheet-pending]")
    page.fill("[data-sheet-search]", "关志伟")
    assert not note.is_visible()
    assert page.locator(".sheet-table tbody tr:visible").count() == 1


#: Each header of a list table made of Chinese characters only, and the lines it takes.
HEADER_LINES = """() => [...document.querySelectorAll('table.list thead th')]
  .filter(th => /^[\\u4e00-\\u9fff]+$/.test(th.textContent.trim()))
  .map(th => {
    const range = document.createRange();
    range.selectNodeContents(th);
    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    return [th.textContent.trim(), tops.size];
  })"""


def test_a_chinese_table_header_is_not_broken_inside_a_word(live_server, desktop_page, demo):
    """On a desktop the dashboard's votes table read "应投票 / 数", "赞成 / 票", "反对 / 票":
    Chinese wraps between any two characters, and its numbers' headers were narrower than
    their words. A header made of Chinese characters is kept whole (its column as wide), and
    a figure is never broken ("188 / 340" on the vote list)."""
    from cases.models import Project

    page = desktop_page
    log_in(page, live_server, "leader", "jiujiang-demo")
    project = Project.objects.get(name__contains="烟南")
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    headers = dict(page.evaluate(HEADER_LINES))
    assert {"应投票数", "赞成票", "弃权票", "户数"} <= set(headers)
    assert {text: lines for text, lines in headers.items() if lines > 1} == {}
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    screenshot(page, "dashboard-zh-desktop-headers")

    # The vote list's "已投／应投" may break at its slash; its figures stay whole.
    page.goto(f"{live_server.url}/votes/")
    figures = page.evaluate(
        """() => [...document.querySelectorAll('table.list tbody td.num')].map(td => {
             const range = document.createRange();
             range.selectNodeContents(td.firstChild);
             return [td.firstChild.textContent.trim(),
                     new Set([...range.getClientRects()].map(r => Math.round(r.top))).size];
           })"""
    )
    assert ["188 / 340", 1] in figures
    assert [text for text, lines in figures if lines > 1] == []
    # Its names and verdicts break at their spaces, not inside a word ("尚未通 / 过").
    words = page.evaluate(
        """() => [...document.querySelectorAll('table.list tbody td.words')].flatMap(td => {
             const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
             const words = [];
             while (walker.nextNode()) {
               const text = walker.currentNode.textContent;
               for (const match of text.matchAll(/\\S+/g)) {
                 const range = document.createRange();
                 range.setStart(walker.currentNode, match.index);
                 range.setEnd(walker.currentNode, match.index + match[0].length);
                 const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                 words.push([match[0], tops.size]);
               }
             }
             return words;
           })"""
    )
    assert ["尚未通过", 1] in words and ["村尾经济社", 1] in words
    assert [word for word, lines in words if lines > 1] == []
