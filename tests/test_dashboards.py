"""The figures of the home page and the project dashboard, against counts made in the test."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import dashboards
from cases.models import Case, Project, Stage, Visit, Vote
from cases.services import visit_record

from .factories import (
    CooperativeFactory,
    ProjectFactory,
    VoteFactory,
    acquisition_project,
    bulk_cases,
    cases_with_statuses,
)
from .support import postgres_only

TODAY = date(2021, 6, 1)
HEARING, REVISED_PLAN = 7, 8  # conditional stages of a land acquisition


@pytest.fixture
def spanning_project(yannan, zhennan):
    """A project over two villages (as the Yannan acquisition may span several)."""
    return ProjectFactory(name="跨村项目", villages=[yannan, zhennan])


@pytest.fixture
def filled(spanning_project, yannan_coop, zhennan_coop, staff):
    second_coop = CooperativeFactory(village=yannan_coop.village, name="西头经济社")
    bulk_cases(spanning_project, yannan_coop, 13, recorder=staff, today=TODAY)
    bulk_cases(spanning_project, second_coop, 8, recorder=staff, start=100, today=TODAY)
    bulk_cases(spanning_project, zhennan_coop, 11, recorder=staff, start=200, today=TODAY)
    return spanning_project


def _independent_counts(cases):
    cases = list(cases)
    signed = [c for c in cases if c.status in ("signed", "completed")]
    return {
        "households": len(cases),
        "visited": sum(1 for c in cases if c.visit_count > 0),
        "supportive": sum(1 for c in cases if c.stance == "supportive"),
        "opposed": sum(1 for c in cases if c.stance == "opposed"),
        "signed": len(signed),
        "signed_mu": sum((c.affected_mu for c in signed), Decimal("0.00")),
        "overdue": sum(
            1
            for c in cases
            if c.status not in ("signed", "completed")
            and c.next_follow_up_on
            and c.next_follow_up_on < TODAY
        ),
    }


def _figures_as_counts(f):
    return {
        "households": f.households,
        "visited": f.visited,
        "supportive": f.supportive,
        "opposed": f.opposed,
        "signed": f.signed,
        "signed_mu": f.signed_mu,
        "overdue": f.overdue,
    }


def test_dashboard_figures_agree_with_the_database(filled, staff):
    d = dashboards.project_dashboard(filled, staff, TODAY)
    expected = _independent_counts(Case.objects.filter(project=filled))
    assert _figures_as_counts(d.figures) == expected
    assert d.figures.signed_percent == dashboards._percent(expected["signed"], 32)
    assert sum(d.figures.statuses.values()) == expected["households"] == 32
    # The funnel, the cooperative table and the figures tell the same story.
    assert [bar.value for bar in d.status_chart.bars] == [
        n for _v, _l, n in d.figures.status_rows()
    ]
    assert sum(row.figures.households for row in d.cooperatives) == 32
    assert sum(row.figures.signed for row in d.cooperatives) == expected["signed"]
    by_coop = {row.name: row.figures.households for row in d.cooperatives}
    assert by_coop == {"东头经济社": 13, "西头经济社": 8, "上沙经济社": 11}


def test_a_cadre_counts_only_the_households_of_their_villages(filled, cadre_yannan):
    d = dashboards.project_dashboard(filled, cadre_yannan, TODAY)
    expected = _independent_counts(
        Case.objects.filter(project=filled, household__cooperative__village__name="烟南村")
    )
    assert _figures_as_counts(d.figures) == expected
    assert expected["households"] == 21
    assert {row.village for row in d.cooperatives} == {"烟南村"}
    assert (
        sum(n for _name, n in d.branches)
        == Visit.objects.filter(
            case__project=filled, case__household__cooperative__village__name="烟南村"
        ).count()
    )


def test_needs_attention_lists_its_three_parts_with_their_counts(filled, staff):
    d = dashboards.project_dashboard(filled, staff, TODAY)
    parts = {part.key: part for part in d.attention}
    cases = Case.objects.filter(project=filled)
    assert parts["under_visited_opposed"].count == cases.under_visited_opposed().count() > 0
    assert parts["overdue"].count == cases.overdue(TODAY).count() > 0
    assert parts["stale_undecided"].count == cases.stale_undecided(TODAY).count() > 0
    for part in parts.values():
        assert len(part.cases) == min(part.count, dashboards.ATTENTION_LIMIT)


def test_visits_per_week_count_each_visit_once_in_its_week(yannan_case, staff):
    today = date(2021, 6, 2)  # a Wednesday
    for day in [date(2021, 5, 31), date(2021, 6, 2), date(2021, 5, 30), date(2020, 12, 1)]:
        visit_record(case=yannan_case, recorded_by=staff, visited_on=day)
    weeks = dashboards.visits_per_week(Visit.objects.all(), today)
    assert len(weeks) == dashboards.WEEKS
    assert weeks[-1] == (date(2021, 5, 31), 2)
    assert weeks[-2] == (date(2021, 5, 24), 1)
    assert sum(n for _monday, n in weeks) == 3  # December is older than 26 weeks
    chart = dashboards.charts.column_chart([(str(m), n) for m, n in weeks])
    assert chart.maximum == 2
    assert chart.bars[-1].height > chart.bars[-2].height > 0 == chart.bars[0].height


def test_visits_per_week_end_at_the_last_visit_when_none_is_recent(
    client, yannan_case, staff, leader
):
    """A leader opening a project whose visits were all made more than 26 weeks ago (a
    finished project, the demo's 2017–2021 history) saw an empty chart; it shows the 26
    weeks up to the last visit instead, and says so."""
    today = date(2024, 1, 10)  # a Wednesday
    for day in [date(2021, 5, 20), date(2021, 5, 31), date(2021, 6, 2), date(2020, 12, 1)]:
        visit_record(case=yannan_case, recorded_by=staff, visited_on=day)
    d = dashboards.project_dashboard(yannan_case.project, leader, today)
    assert d.weeks_end == date(2021, 6, 2) and not d.weeks_recent
    assert len(d.weeks) == dashboards.WEEKS
    assert d.weeks[-1] == (date(2021, 5, 31), 2)
    assert d.weeks[-2:-4:-1] == [(date(2021, 5, 24), 0), (date(2021, 5, 17), 1)]
    assert sum(n for _monday, n in d.weeks) == 3  # December 2020 is older than 26 weeks
    assert d.week_chart.maximum == 2
    client.force_login(leader)
    html = client.get(
        reverse("project_dashboard", args=[yannan_case.project_id]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "26 weeks up to the last visit" in html
    assert "No visits in these weeks." not in html

    # A visit today brings the chart back to the last 26 weeks.
    visit_record(case=yannan_case, recorded_by=staff, visited_on=today)
    d = dashboards.project_dashboard(yannan_case.project, leader, today)
    assert d.weeks_end == today and d.weeks_recent
    assert d.weeks[-1] == (date(2024, 1, 8), 1) and sum(n for _m, n in d.weeks) == 1


def _written_apart(chart, crowded: str, font_size: float) -> list:
    """The columns whose values are written at ``font_size`` (not flagged ``crowded``),
    checked not to run into each other; returned."""
    from cases import charts

    written = [bar for bar in chart.bars if bar.value and not getattr(bar, crowded)]
    spans = [
        (
            bar.x + bar.width - len(str(bar.value)) * charts.DIGIT_WIDTH * font_size,
            bar.x + bar.width,
        )
        for bar in written
    ]
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), spans
    return written


def test_a_phone_writes_only_the_weekly_values_that_do_not_run_into_each_other():
    """Yannan's spring of 2021 on a phone: 358, 165, 72, 145 visits in adjacent weeks were
    written over each other. The tallest are written, each other value where it fits."""
    from cases import charts

    values = [0] * 16 + [358, 165, 72, 145, 38, 36, 4, 6, 2, 1]
    chart = charts.column_chart([(str(i), n) for i, n in enumerate(values)], width=900)
    written = _written_apart(chart, "crowded", charts.PHONE_FONT_SIZE)
    assert max(written, key=lambda bar: bar.value).value == 358
    assert {bar.value for bar in written} >= {358, 145, 36, 6}
    assert any(bar.crowded for bar in chart.bars)
    assert not any(bar.crowded for bar in chart.bars if not bar.value)


def test_a_wider_screen_writes_only_the_weekly_values_that_do_not_run_into_each_other():
    """A district's project logs thousands of visits a week: at a desktop's size, 4- and
    5-digit values in adjacent weeks ran into each other too. Three digits still fit there."""
    from cases import charts

    values = [0] * 20 + [12_480, 9_861, 10_355, 999, 998, 997]
    chart = charts.column_chart([(str(i), n) for i, n in enumerate(values)], width=900)
    _written_apart(chart, "crowded_wide", charts.WIDE_FONT_SIZE)
    assert {bar.value for bar in chart.bars if bar.crowded_wide} == {9_861}
    assert not any(bar.crowded_wide for bar in chart.bars if 0 < bar.value < 1000)


def test_a_project_without_visits_keeps_the_last_26_weeks(yannan_project, leader):
    d = dashboards.project_dashboard(yannan_project, leader, TODAY)
    assert d.weeks_end == TODAY and d.weeks_recent
    assert sum(n for _m, n in d.weeks) == 0


def test_stage_timeline_says_done_overdue_in_progress_due_and_planned(yannan_project):
    rows = [
        dict(order=1, name="done", started_on=date(2021, 1, 1), done_on=date(2021, 1, 5)),
        dict(order=2, name="late", started_on=date(2021, 1, 6), due_on=date(2021, 5, 1)),
        dict(order=3, name="busy", started_on=date(2021, 5, 2), due_on=date(2021, 7, 1)),
        dict(order=4, name="next", planned_start=date(2021, 7, 1), due_on=date(2021, 8, 1)),
        dict(order=5, name="later"),
    ]
    Stage.objects.bulk_create(Stage(project=yannan_project, **row) for row in rows)
    timeline = dashboards.stage_timeline(yannan_project.stages.all(), TODAY, counts={})
    assert [r.state for r in timeline] == ["done", "overdue", "in_progress", "due", "planned"]


@pytest.mark.parametrize(
    ("opposed", "hearing", "revised_plan"),
    [(1, "not_required", "not_required"), (3, "planned", "overdue")],
)
def test_a_hearing_no_majority_asks_for_is_not_overdue_on_the_dashboard(
    client, staff, yannan, opposed, hearing, revised_plan
):
    """The procedure page says "not required now" of the hearing and of the revised plan's
    announcement while no majority is opposed; the dashboard said "overdue" of the second."""
    project = acquisition_project(start=date(2021, 1, 11), villages=[yannan])
    cases_with_statuses(project, yannan, opposed=opposed, supportive=4 - opposed)
    client.force_login(staff)
    response = client.get(reverse("project_dashboard", args=[project.pk]))
    states = {row.stage.order: row.state for row in response.context["d"].stages}
    assert (states[HEARING], states[REVISED_PLAN]) == (hearing, revised_plan)
    assert ("目前无需办理" in response.content.decode()) == (hearing == "not_required")


def _whole_project_counts(queries) -> list[str]:
    """The hearing rule's count of every case of a project (``procedures.case_counts``)."""
    return [
        q["sql"] for q in queries.captured_queries if '"cases_case"."project_id" AS' in q["sql"]
    ]


@pytest.mark.parametrize(
    ("kind", "whole_project_counts"),
    [(Project.Kind.ACQUISITION, 1), (Project.Kind.CONSOLIDATION, 0)],
)
def test_a_cadres_dashboard_counts_the_whole_project_only_for_the_hearing_rule(
    client, cadre_yannan, yannan, zhennan, kind, whole_project_counts
):
    """A cadre's figures are their villages'; the hearing rule counts the whole project (3 of
    5 opposed, though 烟南村 alone has 1 of 3). A project with no conditional stage (the six
    steps) has nothing to count it for: one query fewer."""
    project = acquisition_project(start=date(2021, 1, 11), villages=[yannan, zhennan], kind=kind)
    cases_with_statuses(project, yannan, opposed=1, supportive=2)
    cases_with_statuses(project, zhennan, opposed=2)
    client.force_login(cadre_yannan)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("project_dashboard", args=[project.pk]))
    assert response.context["d"].figures.households == 3
    assert len(_whole_project_counts(queries)) == whole_project_counts
    if kind == Project.Kind.ACQUISITION:
        states = {row.stage.order: row.state for row in response.context["d"].stages}
        assert states[HEARING] != "not_required"  # 3 of 5: a majority of the project


def test_home_shows_progress_stances_recent_visits_and_open_votes(
    filled, yannan_project, staff, yannan, yannan_coop
):
    today = timezone.localdate()
    bulk_cases(yannan_project, yannan_coop, 6, recorder=staff, start=500, today=today)
    vote = VoteFactory(project=yannan_project, village=yannan, status=Vote.Status.OPEN)
    summaries = {s.project.pk: s for s in dashboards.home_summaries(staff, today)}
    s = summaries[yannan_project.pk]
    assert (s.figures.households, s.figures.signed) == (6, 2)  # signed + completed
    assert s.figures.stances == {"unknown": 1, "supportive": 3, "undecided": 1, "opposed": 1}
    last_week = Visit.objects.filter(
        case__project=yannan_project, visited_on__gt=today - timedelta(days=7)
    )
    assert s.recent_visits == last_week.count() > 0
    assert [v.pk for v, _tally in s.open_votes] == [vote.pk]
    assert summaries[filled.pk].figures.households == 32


def test_an_open_vote_on_the_home_page_opens_the_vote_and_reads_as_one_sentence(
    client, yannan_project, cadre_yannan, yannan
):
    """The vote was the cadre's first dead end on the home page (its subject was no link), and
    its line mixed "，" with ", " ("应投95票，已投0票, 赞成率")."""
    vote = VoteFactory(project=yannan_project, village=yannan, status=Vote.Status.OPEN)
    client.force_login(cadre_yannan)
    page = client.get(reverse("home")).content.decode()
    assert f'<a href="{reverse("vote_detail", args=[vote.pk])}">{vote.subject}</a>' in page
    assert "票, " not in page and "，赞成率" in page


def test_the_count_of_open_votes_opens_the_vote_list_filtered_alike(
    client, yannan_project, cadre_yannan, yannan
):
    """On the home page and the project list, "open votes 1" was the only figure that was no
    link: it opens the vote list filtered by the project and the open status, which lists the
    same votes."""
    vote = VoteFactory(project=yannan_project, village=yannan, status=Vote.Status.OPEN)
    VoteFactory(project=yannan_project, village=yannan, status=Vote.Status.DRAFT)
    client.force_login(cadre_yannan)
    link = f"{reverse('vote_list')}?project={yannan_project.pk}&amp;status=open"
    for page in ("home", "project_list"):
        assert f'<a href="{link}">1</a>' in client.get(reverse(page)).content.decode(), page
    listed = client.get(link.replace("&amp;", "&")).context["rows"]
    assert [v.pk for v, _tally in listed] == [vote.pk]


def test_the_dashboards_votes_give_each_approval_its_threshold_and_what_is_missing(
    english_client, yannan_project, yannan, yannan_coop, staff, leader
):
    """A leader read "approval 100.0%, no quorum yet" on a vote one household had voted in:
    the approval without the threshold it is measured against, and not how many more "for"
    votes it needs (the home page says it, the dashboard did not)."""
    from cases import services, tallies

    from .factories import HouseholdFactory
    from .test_votes_services import make_vote

    for _n in range(5):
        HouseholdFactory(cooperative=yannan_coop)
    vote = make_vote(yannan, staff, cooperative=yannan_coop, project=yannan_project)
    vote = services.vote_open(vote=vote, user=staff)
    voter = vote.voters.order_by("pk").first()
    services.ballot_cast(vote=vote, voter=voter, user=staff, choice="for", cast_on=vote.opens_on)
    tally = tallies.vote_tally(vote)
    assert not tally.quorum_met and tally.needed_for > 0

    english_client.force_login(leader)
    dashboard = row_of(english_client, reverse("project_dashboard", args=[yannan_project.pk]), vote)
    listed = row_of(english_client, reverse("vote_list"), vote)
    for row in (dashboard, listed):
        assert "100.0%" in row and "threshold &gt; 50.0%" in row, row
    assert "no quorum yet" in dashboard
    assert f"{tally.needed_for} more “for” votes needed" in dashboard


def row_of(client, url, vote) -> str:
    """The table row of ``vote`` on the page at ``url``."""
    html = client.get(url).content.decode()
    start = html.index(vote.subject)
    return html[start : html.index("</tr>", start)]


def test_home_of_a_cadre_counts_only_their_village(filled, cadre_yannan, cadre_zhennan):
    mine = dashboards.home_summaries(cadre_yannan, TODAY)
    theirs = dashboards.home_summaries(cadre_zhennan, TODAY)
    assert [s.figures.households for s in mine] == [21]
    assert [s.figures.households for s in theirs] == [11]


@pytest.mark.parametrize("user_fixture", ["staff", "cadre_yannan"])
def test_the_projects_figures_are_the_sum_of_its_cooperatives(request, user_fixture, filled):
    user = request.getfixturevalue(user_fixture)
    d = dashboards.project_dashboard(filled, user, TODAY)
    direct = dashboards.case_figures(Case.objects.visible_to(user).filter(project=filled), TODAY)
    assert d.figures == direct
    assert d.figures.households == sum(c.figures.households for c in d.cooperatives) > 0


def test_visits_per_week_and_branch_come_from_one_pass(filled, staff):
    visits = Visit.objects.filter(project=filled)
    weeks, branches = dashboards.visit_counts(visits, TODAY)
    assert weeks == dashboards.visits_per_week(visits, TODAY)
    assert sum(n for _name, n in branches) == visits.count()


@pytest.mark.parametrize("user_fixture", ["staff", "cadre_yannan"])
def test_home_figures_read_by_groups_equal_the_conditional_aggregates(
    request, user_fixture, filled, yannan_project, yannan_coop, staff
):
    """``figures_by`` adds up groups; ``case_figures`` counts with filters: the same figures,
    for every project the user sees, with areas, visit counts and dates that differ."""
    bulk_cases(yannan_project, yannan_coop, 12, recorder=staff, start=500, today=TODAY)
    for i, case in enumerate(Case.objects.order_by("pk")):
        Case.objects.filter(pk=case.pk).update(
            affected_mu=Decimal(i % 7) + Decimal("0.35"),
            visit_count=i % 4,
            last_visit_on=None if i % 5 == 0 else TODAY - timedelta(days=10 * (i % 6)),
            next_follow_up_on=None if i % 3 == 0 else TODAY + timedelta(days=i % 5 - 2),
        )
    user = request.getfixturevalue(user_fixture)
    summaries = dashboards.home_summaries(user, TODAY)
    assert len(summaries) == 2
    for s in summaries:
        cases = Case.objects.visible_to(user).filter(project=s.project)
        assert s.figures == dashboards.case_figures(cases, TODAY)
        assert s.figures.households == cases.count() > 0
    total = dashboards.Figures.combined([s.figures for s in summaries])
    for name in ("visited", "overdue", "under_visited_opposed", "stale_undecided", "signed"):
        assert 0 < getattr(total, name) < total.households, name


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_case_status_reads_as_a_stance(language):
    """支持, 观望 and 反对 named both the stance heard on a visit and a case's status (and 已走访
    a status beside the figure of all visited households): on the dashboard "支持 509" and
    "支持 5" stood side by side and meant different things."""
    from django.utils import translation

    from cases.models import Ballot, Stance

    with translation.override(language):
        stances = {str(label) for label in Stance.labels}
        statuses = {str(label) for label in Case.Status.labels}
        choices = {str(label) for label in Ballot.Choice.labels}
        assert stances & statuses == set()
        assert statuses & choices == set()
        assert len(statuses) == len(Case.Status.labels)


def test_the_dashboard_names_stances_statuses_and_ballots_each_in_its_own_words(
    client, yannan_project, yannan, yannan_coop, staff
):
    """The figures count stances (and signed with completed), the chart counts statuses, the
    votes table counts ballots: no label of one is a label of another, in either language."""
    import re

    bulk_cases(yannan_project, yannan_coop, 6, recorder=staff, start=500, today=TODAY)
    VoteFactory(project=yannan_project, village=yannan, status=Vote.Status.OPEN)
    client.force_login(staff)
    url = reverse("project_dashboard", args=[yannan_project.pk])
    for language, figure_words, ballot_words in (
        ("zh-CN", {"支持", "反对", "已走访", "已签约（含已完成）"}, {"赞成票", "反对票", "弃权票"}),
        (
            "en",
            {"Supportive", "Opposed", "Visited", "Signed, incl. completed"},
            {"votes for", "votes against", "abstentions"},
        ),
    ):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        figures = set(re.findall(r"<dt>([^<]+)</dt>", page))
        bars = set(re.findall(r'class="label">([^<]+)</text>', page.split('id="status-h"')[1]))
        votes = page.split('id="votes-h"')[1]
        ballots = set(re.findall(r'<th scope="col" class="num">([^<]+)</th>', votes))
        assert figure_words <= figures
        assert ballot_words <= ballots
        assert len(bars) == len(Case.Status.labels)
        assert {w.lower() for w in figures} & {w.lower() for w in bars | ballots} == set()
        assert bars & ballots == set()


def _labels_and_headers(html: str) -> list[tuple[str, str]]:
    """(a cell's data-label, its column's header) of every labelled cell of the page's lists:
    what a phone writes before a figure on a card, and what a desktop heads its column with."""
    from html.parser import HTMLParser

    class Tables(HTMLParser):
        def __init__(self):
            super().__init__()
            self.pairs, self.headers, self.column, self.in_head = [], [], 0, False
            self.header_text = None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "table":
                self.headers = []
            elif tag == "thead":
                self.in_head = True
            elif tag == "tr":
                self.column = 0
            elif tag in ("th", "td") and self.in_head:
                self.header_text = ""
            elif tag in ("th", "td"):
                if "data-label" in attrs:
                    self.pairs.append((attrs["data-label"], self.headers[self.column]))
                self.column += 1

        def handle_endtag(self, tag):
            if tag == "thead":
                self.in_head = False
            elif tag in ("th", "td") and self.in_head:
                self.headers.append(self.header_text.strip())
                self.header_text = None

        def handle_data(self, data):
            if self.header_text is not None:
                self.header_text += data

    parser = Tables()
    parser.feed(html)
    return parser.pairs


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_the_dashboards_cards_name_each_figure_as_its_column_does(
    client, yannan_project, yannan, yannan_coop, staff, leader, language
):
    """On a phone the cooperatives' and the votes' tables are cards, each figure named by its
    cell's label: signed with completed read "已签约" ("Signed") under a column "已签约（含已
    完成）", and ballot counts "赞成" ("for"), a ballot's choice, under "赞成票"."""
    bulk_cases(yannan_project, yannan_coop, 4, recorder=staff, today=TODAY)
    VoteFactory(project=yannan_project, village=yannan, status=Vote.Status.OPEN)
    client.force_login(leader)
    url = reverse("project_dashboard", args=[yannan_project.pk])
    pairs = _labels_and_headers(client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode())
    assert len(pairs) >= 14
    assert [(label, header) for label, header in pairs if label != header] == []


@postgres_only
def test_a_cadres_attention_lists_are_read_by_id_not_across_the_whole_project(
    client, cadre_yannan, staff, yannan, yannan_coop, zhennan, zhennan_coop
):
    """The rows of the three "needs attention" lists are fetched by the ids their parts chose
    (each part reads the cadre's cases), not by testing every case of the project against
    them: a cadre of one village in a project of a hundred read 200,000 cases."""
    project = ProjectFactory(name="跨村项目", villages=[yannan, zhennan])
    bulk_cases(project, yannan_coop, 30, recorder=staff)
    bulk_cases(project, zhennan_coop, 300, recorder=staff, start=100)
    client.force_login(cadre_yannan)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("project_dashboard", args=[project.pk]))
    assert any(part.cases for part in response.context["d"].attention)
    [rows] = [q["sql"] for q in ctx.captured_queries if 'AS "first_' in q["sql"]]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + rows)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "using cases_case_pkey on cases_case " in plan, plan  # the rows, by id
