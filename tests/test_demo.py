"""The demo as loaded by ``load_demo`` (``make run``): its figures agree with the story and
with each other, and every demo log-in finds something to do, the cadre an open vote."""

import os
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Max, Min, Sum
from django.urls import reverse
from django.utils import timezone, translation

from cases import demo, roles, tallies, voting
from cases.management.commands import load_demo
from cases.models import Ballot, Case, Project, Requirement, Stage, Visit, Vote
from cases.services.integrity import figures_check
from cases.templatetags.landreform import people, person

NANYANG = "英明社区村尾工业园南洋地块“工改商”"
VOTE_STEP = "民事民决（表决）"


@pytest.fixture
def loaded(db):
    call_command("load_demo", verbosity=0)
    return timezone.localdate()


def test_no_projects_cases_add_up_to_more_than_its_area(loaded):
    for project in Project.objects.all():
        affected = project.cases.aggregate(mu=Sum("affected_mu"))["mu"]
        assert affected <= project.area_mu, project.name
    nanyang = Project.objects.get(name=NANYANG)
    signed = nanyang.cases.filter(status=Case.Status.SIGNED).aggregate(mu=Sum("affected_mu"))
    assert signed["mu"] == nanyang.area_mu == Decimal("58.30")  # every household signed


def test_every_cases_figures_are_those_of_its_visits(loaded):
    """The demo's cases and visits agree as the app's own writes leave them
    (``check_figures``), the visits logged by the services for the open vote's days too."""
    report = figures_check()
    assert report.cases == Case.objects.count() and report.visits == Visit.objects.count()
    assert report.drifts == []


def test_every_demo_visit_has_the_history_row_logging_it_would_have_written(loaded):
    """ "Created" by its recorder when recorded, with its visitors: without it the first
    correction of a demo visit showed the visitors before it as "not recorded"."""
    from cases import audit
    from cases.services import visit_correct

    assert Visit.history.count() == Visit.objects.count()
    visit = Visit.objects.filter(visitors__username="staff").order_by("pk").first()
    row = visit.history.get()
    assert (row.history_type, row.history_date) == ("+", visit.recorded_at)
    assert row.history_user_id == visit.recorded_by_id
    before = list(visit.visitors.order_by("username"))
    assert [s.user for s in row.visitors.order_by("user__username")] == before
    call_command("load_demo", verbosity=0)  # run again: nothing more
    assert Visit.history.count() == Visit.objects.count()

    staff = get_user_model().objects.get(username="staff")
    visit_correct(
        visit=visit,
        user=staff,
        visited_on=visit.visited_on,
        visitors=[staff],
        place=visit.place,
        stance=visit.stance,
        concerns=visit.concerns,
        notes=visit.notes,
        next_follow_up_on=visit.next_follow_up_on,
    )
    with translation.override("zh-hans"):
        rows = audit.household_history(visit.case.household, staff)
        visits = [row for row in rows if row.what == Visit._meta.verbose_name]
        [change] = visits[0].changes  # the newest
        assert (change.old, change.new) == (people(before), person(staff))


def _stages(project):
    return list(project.stages.order_by("order"))


def test_every_projects_stages_are_planned_and_done_in_order_within_its_dates(loaded):
    for project in Project.objects.all():
        stages = _stages(project)
        planned = [s.planned_start for s in stages if s.planned_start]
        assert planned == sorted(planned), project.name
        done = [s for s in stages if s.done_on]
        assert [s.done_on for s in done] == sorted(s.done_on for s in done), project.name
        last_done = max(s.order for s in done)
        skipped = [s for s in stages if s.order < last_done and not s.done_on]
        assert all(s.requirement == Requirement.CONDITIONAL for s in skipped), project.name
        end = project.ended_on or loaded
        for stage in stages:
            for day in (stage.started_on, stage.done_on):
                assert day is None or project.started_on <= day <= end, (project.name, stage)
            if stage.started_on and stage.done_on:
                assert stage.started_on <= stage.done_on
        if project.status == Project.Status.COMPLETED:
            assert stages[-1].done_on == project.ended_on, project.name


def test_the_six_steps_follow_the_story_not_a_working_day_apart(loaded):
    """Nanyang's six steps were planned within one week of 2019; the report says two years."""
    for project in Project.objects.exclude(kind=Project.Kind.ACQUISITION):
        planned = [s.planned_start for s in _stages(project)]
        gaps = [(b - a).days for a, b in zip(planned, planned[1:], strict=False)]
        assert min(gaps) >= 7, (project.name, planned)
    nanyang = _stages(Project.objects.get(name=NANYANG))
    assert nanyang[3].done_on - nanyang[0].started_on > timedelta(days=2 * 365)  # "两年多"
    assert nanyang[4].started_on and not nanyang[4].done_on  # active: under way


def test_a_vote_step_is_done_once_its_votes_are_certified(loaded):
    for stage in Stage.objects.filter(name=VOTE_STEP, done_on__isnull=False):
        votes = Vote.objects.filter(project=stage.project_id)
        assert votes.exists(), stage.project.name
        for vote in votes:
            assert vote.status == Vote.Status.CERTIFIED
            certified = timezone.localdate(vote.certified_at)
            assert stage.started_on <= vote.opens_on
            assert stage.done_on >= certified, (stage.project.name, stage.done_on, certified)
        # the households sign after the vote, and are paid and hand over after signing
        signing = stage.project.stages.get(order=stage.order + 1)
        signed = stage.project.cases.aggregate(
            first=Min("agreement_signed_on"), last=Max("agreement_signed_on")
        )
        assert stage.done_on <= signed["first"] and signed["last"] <= signing.done_on
        done = stage.project.stages.get(order=stage.order + 2).done_on
        completed = stage.project.cases.aggregate(last=Max("completed_on"))["last"]
        assert completed is None or completed <= done


def test_every_vote_cites_a_law_in_force_when_it_opened(loaded):
    for vote in Vote.objects.all():
        assert voting.not_in_force_error(tallies.vote_rule(vote), vote.opens_on) is None
    zhennan = Vote.objects.get(village__name="镇南村")
    assert zhennan.rule_code == Vote.Rule.CUSTOM and "章程" in zhennan.custom_citation
    assert zhennan.result["approval"] == "1/1"  # "以100%的赞成率获得通过"
    for stage in Stage.objects.filter(name=VOTE_STEP, project__started_on__year__lt=2025):
        assert "农村集体经济组织法" not in stage.legal_basis


def test_the_acquisitions_steps_cite_only_texts_in_force_when_they_started(loaded):
    """Yannan's acquisition was done in 2021 under the 2019 Land Administration Law: the
    2021 implementing regulations took effect on 2021-09-01, Guangdong's regulations on
    2022-08-01."""
    stages = _stages(Project.objects.get(name__contains="烟南片区"))
    for stage in stages:
        day = stage.started_on or stage.planned_start
        assert stage.legal_basis, stage.name
        assert "广东省土地管理条例" not in stage.legal_basis, stage.name
        if day < date(2021, 9, 1):
            assert "实施条例" not in stage.legal_basis, stage.name
    survey = next(s for s in stages if s.name.startswith("土地现状调查"))
    assert survey.legal_basis == "土地管理法第47条"  # it cited only the two later texts
    announced = next(s for s in stages if s.name.startswith("发布征收公告"))
    assert announced.started_on >= date(2021, 9, 1)
    assert announced.legal_basis == "实施条例第31条"


def test_the_committed_demo_fixture_is_what_make_fixture_writes(tmp_path):
    """``make fixture`` twice gives the same bytes (no clock, no random client ids), and the
    committed ``fixtures/demo.json`` is up to date with ``cases/demo/``. Built as the Makefile
    builds it, on a new SQLite file, so the ids do not depend on the test database."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'fixture.sqlite3'}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, capture_output=True)
    built = tmp_path / "demo.json"
    subprocess.run(
        [*manage, "build_demo_fixture", "--output", str(built)],
        env=env,
        check=True,
        capture_output=True,
    )
    committed = Path(settings.BASE_DIR) / "fixtures" / "demo.json"
    assert built.read_bytes() == committed.read_bytes(), "run `make fixture` and commit it"


def test_the_demo_log_ins_have_names_on_the_pages(loaded, client):
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=["admin", "staff", "cadre", "leader"])
    }
    names = {username: person(user) for username, user in users.items()}
    assert all(name != username for username, name in names.items()), names
    assert len(set(names.values())) == 4
    for username, name in names.items():
        assert client.login(username=username, password="jiujiang-demo")
        assert name in client.get(reverse("home")).content.decode()  # the header
    visit = Visit.objects.filter(visitors=users["staff"]).select_related("case").first()
    page = client.get(reverse("household_detail", args=[visit.case.household_id]))
    assert names["staff"] in page.content.decode()
    ballot = Ballot.objects.filter(recorded_by=users["cadre"]).first()
    page = client.get(reverse("ballot_detail", args=[ballot.vote_id, ballot.pk]))
    assert names["cadre"] in page.content.decode()


def test_every_role_has_a_demo_log_in(loaded):
    """Whoever tries the demo can see what each of the four kinds of user sees."""
    by_role = {
        group: username
        for username, group in get_user_model()
        .objects.filter(username__in=[u[0] for u in load_demo.DEMO_USERS])
        .values_list("username", "groups__name")
    }
    assert set(by_role) == set(roles.ROLE_PERMISSIONS)
    assert by_role[roles.LEADER] == "leader"


def test_the_demo_leader_sees_every_village_masked_and_has_no_admin(loaded, client):
    leader = get_user_model().objects.get(username="leader")
    assert client.login(username="leader", password="jiujiang-demo")
    assert list(leader.groups.values_list("name", flat=True)) == [roles.LEADER]
    assert not leader.is_staff and not leader.is_superuser
    assert leader.has_perm("cases.view_all_villages")
    assert not leader.has_perm("cases.view_personal_numbers")
    assert "虚构" in leader.staff_profile.title  # invented, like everyone in the demo
    assert not leader.staff_profile.villages.exists()
    home = client.get(reverse("home")).content.decode()
    for project in Project.objects.all():
        assert project.name in home
    assert reverse("admin:index") not in home


def test_everything_that_lists_the_demo_log_ins_names_each_of_them(loaded):
    """The README's table, the Makefile's line and what load_demo prints."""
    root = Path(settings.BASE_DIR)
    readme = (root / "README.md").read_text()
    makefile = (root / "Makefile").read_text()
    out = StringIO()
    call_command("load_demo", stdout=out)
    for username, *_rest, (family, given) in load_demo.DEMO_USERS:
        assert f"| `{username}` | {family}{given} |" in readme, username
        assert username in makefile.split("log in as", 1)[1].splitlines()[0], username
        assert f"{username} (" in out.getvalue(), username


def test_the_cadre_finds_an_open_vote_to_record_ballots_in_today(loaded, client):
    vote = Vote.objects.get(status=Vote.Status.OPEN)
    assert vote.subject == demo.OPEN_VOTE_SUBJECT and "演示" in vote.subject
    assert (vote.village.name, vote.opens_on, vote.closes_on) == (
        "烟南村",
        loaded - timedelta(days=demo.OPEN_VOTE_OPENED_DAYS_AGO),
        loaded + timedelta(days=demo.OPEN_VOTE_CLOSES_IN_DAYS),
    )
    assert timezone.localdate(vote.opened_at) == vote.opens_on
    ballots = Ballot.objects.filter(vote=vote)
    days = set(ballots.values_list("cast_on", flat=True))
    assert days == {vote.opens_on + timedelta(days=n) for n in range(3)}  # the days before
    assert set(ballots.values_list("method", flat=True)) == set(Ballot.Method.values)
    tally = tallies.vote_tally(vote)
    assert 0 < tally.cast < tally.eligible == vote.voters.count()
    assert not tally.passed and tally.needed_for > 0 and tally.can_still_pass

    client.login(username="cadre", password="jiujiang-demo")
    home = client.get(reverse("home")).content.decode()
    assert reverse("vote_detail", args=[vote.pk]) in home
    page = client.get(reverse("vote_detail", args=[vote.pk])).content.decode()
    not_voted = vote.voters.filter(ballots__isnull=True).order_by("pk")
    assert not_voted.first().name in page
    sheet = client.get(reverse("ballot_sheet", args=[vote.pk])).content.decode()
    assert f'value="{loaded:%Y-%m-%d}"' in sheet  # today's date is offered
    voter = not_voted.first()
    response = client.post(
        reverse("ballot_sheet", args=[vote.pk]),
        {"cast_on": f"{loaded:%Y-%m-%d}", f"choice-{voter.pk}": "for"},
    )
    assert response.status_code == 302
    ballot = Ballot.objects.get(vote=vote, voter=voter)
    assert (ballot.cast_on, ballot.recorded_by.username) == (loaded, "cadre")

    ballots = Ballot.objects.count()
    call_command("load_demo", verbosity=0)  # safe to run again: no second vote
    assert Vote.objects.filter(status=Vote.Status.OPEN).count() == 1
    assert Ballot.objects.count() == ballots
