"""Sizes a phone user meets, measured on the demo data: every link and button that stands on
its own is a tap target (44 px tall on a phone, 24 px on a desktop: WCAG 2.2, 2.5.5 and
2.5.8), and a ballot's history fits a phone's width as cards, as the dashboard's votes do.

Not held to 44 px: a link inside a sentence (its line's height is the text's: WCAG's inline
exception) and the bars of the dashboard's status chart (SVG rows 27 px tall on a phone,
each also a figure on the page), which must still reach 24 px. Form fields (40–48 px) are
not buttons and are not measured.
"""

import pytest
from django.contrib.auth import get_user_model

from cases import services
from cases.models import Ballot, Case, Project, Visit, Vote

from .conftest import log_in, screenshot
from .test_fieldwork_browser import _no_horizontal_scroll

#: Every link, button, summary, and the label around a check box or radio button, that is
#: shown: its height, what it is, and whether it sits in a sentence or in a chart.
TARGETS = """() => {
  const shown = e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden'
    && !e.closest('details:not([open]) > :not(summary)');
  const inSentence = e => [...e.parentElement.childNodes].some(
    n => n.nodeType === 3 && /\\p{L}/u.test(n.textContent));
  return [...document.querySelectorAll(
      'a, button, summary, label:has(> input[type=checkbox]), label:has(> input[type=radio])')]
    .filter(shown)
    .map(e => ({
      height: e.getBoundingClientRect().height,
      what: e.outerHTML.slice(0, 120),
      sentence: inSentence(e),
      chart: !!e.closest('svg'),
      export: !!e.closest('.export-links'),
    }));
}"""


def _pages(live_server) -> list[str]:
    project = Project.objects.get(name__contains="烟南")
    case = Case.objects.filter(project=project).order_by("pk").first()
    vote = Vote.objects.get(status=Vote.Status.OPEN)
    ballot = Ballot.objects.filter(voter__vote=vote).order_by("pk").first()
    visit = Visit.objects.filter(project=project).order_by("pk").first()
    return [
        "/",
        "/projects/",
        f"/projects/{project.pk}/",
        f"/projects/{project.pk}/procedure/",
        f"/projects/{project.pk}/meetings/",
        "/cases/",
        f"/cases/?project={project.pk}&status=opposed",
        "/visits/",
        f"/households/{case.household_id}/",
        f"/cases/{case.pk}/visits/new/",
        f"/cases/{case.pk}/sign/",
        f"/visits/{visit.pk}/correct/",
        "/votes/",
        "/votes/new/",
        f"/votes/{vote.pk}/",
        f"/votes/{vote.pk}/ballots/",
        f"/votes/{vote.pk}/ballots/{ballot.pk}/",
        f"/votes/{vote.pk}/notice/",
        "/accounts/password_change/",
    ]


def _too_small(page, phone: bool) -> list[str]:
    least = 44 if phone else 24
    small = []
    for target in page.evaluate(TARGETS):
        if target["sentence"] and not target["export"]:
            continue
        floor = 24 if target["chart"] else least
        if target["height"] < floor - 0.5:
            small.append(f"{target['height']:.1f}px {target['what']}")
    return small


@pytest.mark.parametrize(
    ("fixture", "phone"),
    [
        ("phone_page", True),
        ("phone_page_en", True),
        ("desktop_page", False),
        ("desktop_page_en", False),
    ],
)
def test_every_link_and_button_is_a_tap_target(live_server, demo, request, fixture, phone):
    """The lists' CSV / Excel links were 16 px tall; crumbs, the rows' links, the sort
    headers, the project cards' titles and "Cancel" links 16–22 px."""
    page = request.getfixturevalue(fixture)
    page.goto(f"{live_server.url}/accounts/login/")
    small = {"/accounts/login/": _too_small(page, phone)}
    log_in(page, live_server, "staff", password="jiujiang-demo")
    exports = 0
    for path in _pages(live_server):
        page.goto(live_server.url + path)
        small[path] = _too_small(page, phone)
        exports += page.locator(".export-links a").count()
        if path == "/cases/":  # the filters folded away: their buttons too
            page.click("form.filters summary")
            small["/cases/ (filters open)"] = _too_small(page, phone)
    assert exports >= 8  # CSV and Excel on the case, visit, project and vote lists
    assert not {path: links for path, links in small.items() if links}


@pytest.mark.parametrize(
    ("fixture", "language", "device"),
    [
        ("phone_page", "zh", "phone"),
        ("phone_page_en", "en", "phone"),
        ("desktop_page", "zh", "desktop"),
    ],
)
def test_a_ballots_history_fits_a_phone(live_server, demo, request, fixture, language, device):
    """Its seven-column table was 600 px wide in a 390 px screen, to be scrolled sideways (in
    Chinese it fitted only by breaking every cell into a column of two or three characters)."""
    page = request.getfixturevalue(fixture)
    vote = Vote.objects.get(status=Vote.Status.OPEN)
    ballot = Ballot.objects.filter(voter__vote=vote).order_by("pk").first()
    cadre = get_user_model().objects.get(username="cadre")  # 烟南村's
    reason = "户主入户补签时改投反对票，原登记为到场赞成，现按其本人签字的表决票更正"
    services.ballot_correct(
        ballot=ballot,
        choice=Ballot.Choice.AGAINST,
        method=Ballot.Method.DOOR_TO_DOOR,
        user=cadre,
        reason=reason,
    )
    log_in(page, live_server, "cadre", password="jiujiang-demo")
    page.goto(f"{live_server.url}/votes/{vote.pk}/ballots/{ballot.pk}/")
    rows = page.locator("table.history tbody tr")
    assert rows.count() == 2
    assert reason in rows.last.inner_text() or reason in rows.first.inner_text()
    _no_horizontal_scroll(page)
    table = page.evaluate(
        "document.querySelector('table.history').getBoundingClientRect().right <= innerWidth"
    )
    assert table, "the history table reaches past the screen's right edge"
    # Cards on a phone (each change's details under its date), a table on a desktop.
    stacked = page.evaluate(
        """() => {
          const row = document.querySelector('table.history tbody tr');
          return row.querySelector('td').getBoundingClientRect().top
            >= row.querySelector('th').getBoundingClientRect().bottom - 1;
        }"""
    )
    assert stacked == (device == "phone")
    screenshot(page, f"ballot-history-{language}-{device}")
