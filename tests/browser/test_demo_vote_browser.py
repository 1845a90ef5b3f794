"""The demo's open vote, as its cadre (log-in ``cadre``, 烟南村) finds it on a phone: listed with
its live tally on the home page, the names still to vote on the vote page, and a ballot
recorded today on the sheet, which the tally then counts. Screenshots go to
demo-vote-<page>-zh-phone.png."""

from django.utils import timezone

from cases import tallies
from cases.models import Ballot, Vote

from .conftest import log_in, screenshot
from .test_fieldwork_browser import _no_horizontal_scroll


def test_the_cadre_records_a_ballot_in_the_demos_open_vote(live_server, phone_page, demo):
    page = phone_page
    vote = Vote.objects.get(status=Vote.Status.OPEN)
    before = tallies.vote_tally(vote)
    log_in(page, live_server, "cadre", password="jiujiang-demo")
    assert page.locator("header .who").inner_text() == "关淑仪"
    line = page.locator(".project-card .vote-line", has_text=vote.subject)
    assert f"{before.cast}" in line.inner_text() and "还需" in line.inner_text()
    screenshot(page, "demo-vote-home-zh-phone")

    line.locator("a").click()
    page.wait_for_load_state()
    not_voted = page.locator("ul.not-voted li")
    assert not_voted.count() == before.eligible - before.cast
    voter = vote.voters.filter(ballots__isnull=True).order_by("pk").first()
    assert voter.name in not_voted.first.inner_text()
    _no_horizontal_scroll(page)
    screenshot(page, "demo-vote-tally-zh-phone")

    page.click("a.button:text-is('录入表决票')")
    page.wait_for_load_state()
    today = timezone.localdate()
    assert page.input_value("input[name=cast_on]") == f"{today:%Y-%m-%d}"
    page.fill("[data-sheet-search]", voter.name)
    page.click(f"label:has(input[name=choice-{voter.pk}][value=for])")
    page.select_option(f"select[name=method-{voter.pk}]", "door_to_door")
    _no_horizontal_scroll(page)
    screenshot(page, "demo-vote-sheet-zh-phone")
    page.click(".sheet-save button")
    page.wait_for_load_state()
    ballot = Ballot.objects.get(voter=voter)
    assert (ballot.cast_on, ballot.recorded_by.username) == (today, "cadre")

    page.goto(f"{live_server.url}/votes/{vote.pk}/")
    assert page.locator("ul.not-voted li").count() == before.eligible - before.cast - 1
    assert tallies.vote_tally(vote).votes_for == before.votes_for + 1
