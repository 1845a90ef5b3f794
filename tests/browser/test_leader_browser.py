"""A township leader's day on the demo data, as the demo's ``leader`` (冯德昌) meets it: the home
page, the project list, every project's dashboard (the Yannan acquisition first), the procedure,
the votes and a tally, the case list, a household, the visit list and the meetings; in Chinese
on a phone (390×844) and in English on a desktop window.

A leader is read-only: no page offers a form that writes, a link into the admin or to a write
page, and every write page answers 403. ID and phone numbers are masked. Each dashboard
answers "how did the visiting go": the demo's visits are of 2017–2021, so the chart shows the
weeks up to the last visit, and on a phone no two of its numbers run into each other.
Screenshots go to leader-<page>-<language>-<device>.png."""

import pytest

from cases.models import Case, Household, Project, Vote

from .conftest import log_in, screenshot
from .test_fieldwork_browser import _figure, _no_horizontal_scroll

YANNAN = "临港国际产业社区（烟南片区）土地征收"
WORDS = {
    "zh": {"home": "首页", "list": "项目一览", "weeks": "截至最后一次走访的26周"},
    "en": {"home": "Home", "list": "Project list", "weeks": "the 26 weeks up to the last visit"},
}
#: Links a read-only user must not be offered: each leads to a page that writes (403).
WRITE_LINKS = [
    "a[href*='/admin/']",
    "a[href*='/visits/new/']",
    "a[href*='/sign/']",
    "a[href*='/complete/']",
    "a[href$='/votes/new/']",
    "a[href*='/meetings/new/']",
]


def _read_only(page):
    """Nothing on the page writes: no POST form in the page's content (the header's log-out and
    language forms are the user's own), no link to a page that writes."""
    assert page.locator("main form[method=post]").count() == 0, page.url
    for selector in WRITE_LINKS:
        assert page.locator(selector).count() == 0, (page.url, selector)
    # a ballot's own page (/ballots/<id>/) is a read; the ballot sheet (/ballots/) writes
    hrefs = page.locator("a[href*='/ballots/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert not [h for h in hrefs if h.split("?")[0].endswith("/ballots/")], page.url


def _weekly_values_apart(page):
    """The weekly chart's written numbers, as the browser lays them out, do not overlap."""
    boxes = page.locator(".chart.columns text.value").evaluate_all(
        """texts => texts.filter(t => getComputedStyle(t).display !== 'none')
                         .map(t => { const r = t.getBoundingClientRect();
                                     return [r.left, r.right]; })"""
    )
    assert boxes, page.url
    boxes.sort()
    for (_left, right), (left, _right) in zip(boxes, boxes[1:], strict=False):
        assert right <= left + 0.5, (page.url, boxes)


def _open(page, live_server, path):
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == 200, path
    _read_only(page)
    _no_horizontal_scroll(page)


def walk(page, live_server, language, device):
    words = WORDS[language]
    name = f"{language}-{device}"
    log_in(page, live_server, "leader", password="jiujiang-demo")
    assert page.locator("h1").inner_text() == words["home"]
    assert page.locator("header .who").inner_text() == "冯德昌"
    assert page.locator(".my-follow-ups").count() == 0  # a leader visits nobody
    _read_only(page)
    _no_horizontal_scroll(page)
    screenshot(page, f"leader-home-{name}")

    page.click(f"nav.topnav a:text-is('{words['list']}')")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == words["list"]
    _read_only(page)
    page.click(f"main a:text-is('{YANNAN}')")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == YANNAN
    yannan = Project.objects.get(name=YANNAN)
    cases = Case.objects.filter(project=yannan)
    assert int(_figure(page, "households")) == cases.count() > 500
    assert int(_figure(page, "opposed")) == cases.filter(stance="opposed").count()
    assert int(_figure(page, "signed")) == cases.filter(status__in=["signed", "completed"]).count()
    assert words["weeks"] in page.locator("#weeks-h").inner_text()
    _weekly_values_apart(page)
    _read_only(page)
    _no_horizontal_scroll(page)
    screenshot(page, f"leader-dashboard-{name}")

    for project in Project.objects.exclude(pk=yannan.pk).order_by("pk"):
        _open(page, live_server, f"/projects/{project.pk}/")
        assert page.locator("h1").inner_text() == project.name
        assert words["weeks"] in page.locator("#weeks-h").inner_text()
        _weekly_values_apart(page)
        _open(page, live_server, f"/projects/{project.pk}/procedure/")

    open_vote = Vote.objects.get(status=Vote.Status.OPEN)
    certified = Vote.objects.filter(status=Vote.Status.CERTIFIED).order_by("pk").first()
    household = Household.objects.filter(cases__project=yannan).order_by("pk").first()
    for path in [
        f"/projects/{yannan.pk}/procedure/",
        f"/projects/{yannan.pk}/meetings/",
        "/votes/",
        f"/votes/{open_vote.pk}/",
        f"/votes/{certified.pk}/",
        f"/votes/{certified.pk}/notice/",
        "/cases/",
        f"/cases/?project={yannan.pk}&stance=opposed",
        "/visits/",
    ]:
        _open(page, live_server, path)
    _open(page, live_server, f"/households/{household.pk}/")
    body = page.content()
    assert household.head_id_number not in body and household.phone not in body
    assert household.masked_id_number in body
    screenshot(page, f"leader-household-{name}")

    # Every page that writes answers 403, even typed in by hand.
    case = cases.exclude(status__in=["signed", "completed"]).order_by("pk").first()
    for path in [
        f"/cases/{case.pk}/visits/new/",
        f"/cases/{case.pk}/sign/",
        f"/cases/{case.pk}/complete/",
        "/votes/new/",
        f"/votes/{open_vote.pk}/ballots/",
        f"/projects/{yannan.pk}/meetings/new/",
    ]:
        assert page.goto(f"{live_server.url}{path}").status == 403, path
    # The exports are reads, masked.
    export = page.request.get(f"{live_server.url}/exports/households.csv")
    assert export.status == 200
    assert household.head_id_number not in export.text()
    assert household.masked_id_number in export.text()


@pytest.mark.parametrize(
    "page_fixture,language,device",
    [("phone_page", "zh", "phone"), ("desktop_page_en", "en", "desktop")],
)
def test_a_leaders_day_reads_everything_and_writes_nothing(
    live_server, demo, request, page_fixture, language, device
):
    walk(request.getfixturevalue(page_fixture), live_server, language, device)
