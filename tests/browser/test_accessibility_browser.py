"""Every page of the app, as each demo user meets it, passes axe-core's checks (WCAG 2.1 A and AA,
and axe's best practices) in a real browser: in Chinese on a phone and in English on a desktop.

axe-core 4.12 comes with ``axe-playwright-python`` (requirements-dev.txt); it runs in the page
through Playwright, not as a script the page loads, so the Content-Security-Policy stays as
served. The admin is walked by ``test_admin_accessibility_browser``, with the helpers here.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from cases.models import Case, Household, Project, Visit, Vote

from .conftest import log_in

#: The standards checked; "best-practice" adds e.g. one main landmark, unique landmark names.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


def _pages(username: str) -> list[str]:
    """The app pages ``username`` reaches from the nav and the demo's links."""
    yannan = Project.objects.get(name__contains="烟南片区")
    household = Household.objects.filter(cooperative__village__name="烟南村").order_by("pk")[0]
    open_case = Case.objects.filter(project=yannan).exclude(status=Case.Status.SIGNED)
    open_case = open_case.order_by("pk")[0]
    visit = Visit.objects.filter(village__name="烟南村").order_by("pk")[0]
    open_vote = Vote.objects.get(status=Vote.Status.OPEN)
    certified = Vote.objects.filter(status=Vote.Status.CERTIFIED).order_by("pk")[0]
    pages = [
        "/",
        "/projects/",
        f"/projects/{yannan.pk}/",
        f"/projects/{yannan.pk}/procedure/",
        f"/projects/{yannan.pk}/meetings/",
        "/cases/",
        f"/cases/?project={yannan.pk}&status=opposed",
        "/visits/",
        f"/households/{household.pk}/",
        "/votes/",
        f"/votes/{open_vote.pk}/",
        "/accounts/password_change/",
    ]
    if username != "leader":  # a leader logs and corrects no visits (403)
        pages += [f"/cases/{open_case.pk}/visits/new/", f"/visits/{visit.pk}/correct/"]
    if username == "cadre":  # cadres enter ballots; the demo's certified votes are elsewhere
        pages.append(f"/votes/{open_vote.pk}/ballots/")
    else:
        pages += [f"/votes/{certified.pk}/", f"/votes/{certified.pk}/notice/"]
    if username == "staff":
        pages += [f"/cases/{open_case.pk}/sign/", f"/projects/{yannan.pk}/meetings/new/"]
    if username == "leader":  # every project's dashboard and procedure, the leader's day
        for project in Project.objects.exclude(pk=yannan.pk).order_by("pk"):
            pages += [f"/projects/{project.pk}/", f"/projects/{project.pk}/procedure/"]
    return pages


def violations(page) -> list[str]:
    """axe-core's findings on the page, one line a rule: its id, impact, how many elements and
    the first ones."""
    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])}): "
        + ", ".join(" ".join(n["target"]) for n in v["nodes"][:3])
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("username", ["staff", "cadre", "leader"])
@pytest.mark.parametrize("page_fixture", ["phone_page", "desktop_page_en"])
def test_every_page_passes_axe(live_server, demo, request, username, page_fixture):
    page = request.getfixturevalue(page_fixture)
    log_in(page, live_server, username, "a wrong password")  # the log-in page, with its error
    found = {"/accounts/login/ (refused)": violations(page)}
    log_in(page, live_server, username, "jiujiang-demo")
    for path in _pages(username):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        found[path] = violations(page)
    response = page.goto(f"{live_server.url}/households/999999/")
    assert response.status == 404
    found["404"] = violations(page)
    report = "\n".join(f"{path}: {v}" for path, found_here in found.items() for v in found_here)
    assert not report, "\n" + report
