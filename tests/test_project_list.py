"""The project list (/projects/): every project the user may see, one row each with its figures
in the user's scope; filters, sorting by any figure, 50 a page, the CSV / XLSX export, the
query budget; and the home page, which shows at most twelve projects and links to the list."""

import csv
import io
import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cases import dashboards, workdays
from cases.filters import PROJECT_COLUMNS
from cases.models import Case, PeriodKind, Project, Stage, Stance, Vote
from cases.services import stage_mark_done

from .factories import (
    CooperativeFactory,
    ProjectFactory,
    VoteFactory,
    acquisition_project,
    bulk_cases,
)


@pytest.fixture
def client(english_client):
    """These tests read the pages' words in English."""
    return english_client


@pytest.fixture
def district(yannan, zhennan, yannan_coop, zhennan_coop, staff):
    """Three projects: one over both villages (21 households in 烟南村, 11 in 镇南村), one
    in 烟南村 alone and one in 镇南村 alone, of different kinds and statuses."""
    today = timezone.localdate()
    spanning = ProjectFactory(
        name="跨村土地整理",
        kind=Project.Kind.CONSOLIDATION,
        villages=[yannan, zhennan],
        started_on=date(2021, 3, 1),
    )
    bulk_cases(spanning, yannan_coop, 13, recorder=staff, today=today)
    bulk_cases(spanning, CooperativeFactory(village=yannan), 8, recorder=staff, start=100)
    bulk_cases(spanning, zhennan_coop, 11, recorder=staff, start=200, today=today)
    yannan_only = ProjectFactory(name="烟南征收", villages=[yannan], started_on=date(2021, 2, 1))
    bulk_cases(yannan_only, yannan_coop, 6, recorder=staff, start=300, today=today)
    VoteFactory(project=yannan_only, village=yannan, status=Vote.Status.OPEN)
    zhennan_only = ProjectFactory(
        name="镇南工改商",
        kind=Project.Kind.INDUSTRIAL_TO_COMMERCIAL,
        status=Project.Status.COMPLETED,
        villages=[zhennan],
        started_on=date(2021, 1, 1),
    )
    bulk_cases(zhennan_only, zhennan_coop, 4, recorder=staff, start=400, today=today)
    return {"spanning": spanning, "yannan": yannan_only, "zhennan": zhennan_only}


def _rows(response) -> list[dashboards.ProjectSummary]:
    return list(response.context["page"])


def _names(response) -> list[str]:
    return [s.project.name for s in _rows(response)]


def _list(client, **params):
    response = client.get(reverse("project_list"), params)
    assert response.status_code == 200
    return response


# --- figures and scope ----------------------------------------------------------------------


def test_each_row_holds_the_projects_figures(client, staff, district):
    client.force_login(staff)
    response = _list(client)
    rows = {s.project.pk: s for s in _rows(response)}
    assert set(rows) == {p.pk for p in district.values()}
    today = timezone.localdate()
    for project in district.values():
        cases = Case.objects.filter(project=project)
        f = rows[project.pk].figures
        assert f.households == cases.count() > 0
        assert f.visited == cases.filter(visit_count__gt=0).count()
        assert f.signed == cases.filter(status__in=["signed", "completed"]).count()
        assert f.opposed == cases.filter(stance="opposed").count()
        assert f.overdue == cases.overdue(today).count()
    spanning = rows[district["spanning"].pk]
    assert spanning.figures.households == 32
    # bulk_cases: statuses cycle through six, two of them signed (signed and completed).
    assert spanning.figures.signed_percent == "31.3%"  # 10 of 32
    assert len(rows[district["yannan"].pk].open_votes) == 1
    page = response.content.decode()
    assert "31.3%" in page
    assert reverse("project_dashboard", args=[district["spanning"].pk]) in page
    assert "land consolidation" in page and "completed" in page  # kind and status


def _linked_figures(html: str) -> dict[str, str]:
    """Each ``data-figure`` cell's or card's link, by figure."""
    found = re.findall(
        r'data-figure="(\w+)"[^>]*>(?:(?!data-figure).)*?<a href="([^"]+)"', html, re.S
    )
    return {figure: unescape(href) for figure, href in found}


def _opened(client, href: str) -> set[int]:
    return {case.pk for case in client.get(href).context["page"]}


def test_every_count_opens_the_cases_it_counts(client, leader, district):
    """A leader read "visited 83%" and "signed 31%" on the project list and the dashboard and
    could not open either: only households, opposed and overdue led to their cases. Each
    count now opens the case list filtered to exactly the cases it counts, on the project
    list, on the dashboard and in its table by cooperative ("signed" includes completed)."""
    client.force_login(leader)
    project = district["spanning"]
    cases = Case.objects.filter(project=project)
    expected = {
        "households": cases,
        "visited": cases.filter(visit_count__gt=0),
        "signed": cases.filter(status__in=["signed", "completed"]),
        "opposed": cases.filter(stance="opposed"),
        "supportive": cases.filter(stance="supportive"),
        "overdue": cases.overdue(timezone.localdate()),
    }
    row = _list(client).content.decode().split(f'data-project="{project.pk}"')[1]
    row = row.split("</tr>")[0]
    listed = _linked_figures(row)
    assert set(listed) == {"households", "visited", "signed", "opposed", "overdue"}
    dashboard = reverse("project_dashboard", args=[project.pk])
    page = client.get(dashboard).content.decode()
    cards = _linked_figures(page.split('class="figures"')[1].split("</dl>")[0])
    assert set(cards) == {"households", "visited", "supportive", "opposed", "signed"}
    for figure, href in [*listed.items(), *cards.items()]:
        assert _opened(client, href) == set(expected[figure].values_list("pk", flat=True)), figure
        assert 0 < len(_opened(client, href)) < cases.count() or figure == "households"

    table = page.split('class="list cooperatives"', 1)[1].split("</table>", 1)[0]
    for coop_row in table.split("<tr>")[2:]:
        coop = int(re.search(r"cooperative=(\d+)", coop_row)[1])
        links = [unescape(href) for href in re.findall(r'<a href="([^"]+)"', coop_row)]
        figures = ["households", "visited", "supportive", "opposed", "signed"]
        assert len(links) == len(figures)
        for figure, href in zip(figures, links, strict=True):
            mine = expected[figure].filter(household__cooperative=coop)
            assert _opened(client, href) == set(mine.values_list("pk", flat=True)), figure


def test_the_home_cards_signed_line_and_stance_chips_open_their_cases(client, leader, district):
    """On the home page "N of M households signed" and each stance's chip were plain text."""
    client.force_login(leader)
    project = district["spanning"]
    cases = Case.objects.filter(project=project)
    page = client.get(reverse("home")).content.decode()
    card = page.split(reverse("project_dashboard", args=[project.pk]), 1)[1]
    card = card.split("mini-figures")[0]

    signed = _linked_figures(card)["signed"]
    assert _opened(client, signed) == set(
        cases.filter(status__in=["signed", "completed"]).values_list("pk", flat=True)
    )
    chips = re.findall(r'<a class="chip stance-(\w+)" href="([^"]+)"', card)
    assert [stance for stance, _href in chips] == list(Stance.values)
    for stance, href in chips:
        assert _opened(client, unescape(href)) == set(
            cases.filter(stance=stance).values_list("pk", flat=True)
        ), stance


def test_the_case_list_filters_signed_cases_completed_included(client, staff, district):
    client.force_login(staff)
    project = district["spanning"]
    signed = Case.objects.filter(project=project, status__in=["signed", "completed"])
    other = Case.objects.filter(project=project).exclude(pk__in=signed)
    for value, cases in (("true", signed), ("false", other)):
        href = f"{reverse('case_list')}?project={project.pk}&signed={value}"
        assert _opened(client, href) == set(cases.values_list("pk", flat=True)) != set()
    page = client.get(reverse("case_list"), {"signed": "true"}).content.decode()
    assert "signed, incl. completed:" in page  # listed among the chosen filters
    response = client.get(reverse("export", args=["cases", "csv"]), {"signed": "true"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    exported = list(csv.reader(io.StringIO(text)))
    assert len(exported) - 1 == Case.objects.filter(status__in=["signed", "completed"]).count()


def test_visits_of_the_last_seven_days_are_counted(client, staff, district):
    recent = Case.objects.filter(
        project=district["yannan"], last_visit_on__gt=timezone.localdate() - timedelta(days=7)
    ).count()
    client.force_login(staff)
    rows = {s.project.pk: s for s in _rows(_list(client))}
    assert rows[district["yannan"].pk].recent_visits == recent > 0


def test_a_cadre_sees_their_villages_figures_only_and_no_other_villages_project(
    client, cadre_yannan, district
):
    client.force_login(cadre_yannan)
    response = _list(client)
    rows = {s.project.name: s for s in _rows(response)}
    assert set(rows) == {"跨村土地整理", "烟南征收"}
    assert rows["跨村土地整理"].figures.households == 21  # not the 11 of 镇南村
    page = response.content.decode()
    assert "镇南" not in page  # neither the other village nor its project
    assert "烟南村" in page


def test_a_leader_sees_every_project_and_nothing_to_change(client, leader, district):
    client.force_login(leader)
    response = _list(client)
    assert len(_rows(response)) == 3
    assert "/visits/new/" not in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("project_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_navigation_links_to_the_list(client, staff):
    client.force_login(staff)
    assert f'href="{reverse("project_list")}"' in client.get(reverse("home")).content.decode()


# --- filters --------------------------------------------------------------------------------


def test_search_by_name(client, staff, district):
    client.force_login(staff)
    assert _names(_list(client, q="征收")) == ["烟南征收"]


def test_filter_by_kind_status_and_village(client, staff, district, zhennan):
    client.force_login(staff)
    assert _names(_list(client, kind="industrial_to_commercial")) == ["镇南工改商"]
    assert sorted(_names(_list(client, status="active"))) == ["烟南征收", "跨村土地整理"]
    assert sorted(_names(_list(client, village=zhennan.pk))) == ["跨村土地整理", "镇南工改商"]


def test_needs_attention_is_an_overdue_follow_up_or_an_opposed_household_under_three_visits(
    client, staff, district
):
    calm = district["zhennan"]
    Case.objects.filter(project=calm).update(next_follow_up_on=None)
    Case.objects.filter(project=calm, status="opposed").update(visit_count=3)
    client.force_login(staff)
    assert sorted(_names(_list(client, attention="true"))) == ["烟南征收", "跨村土地整理"]
    assert _names(_list(client, attention="false")) == ["镇南工改商"]
    # One opposed household visited twice is enough.
    Case.objects.filter(project=calm, status="opposed").update(visit_count=2)
    assert "镇南工改商" in _names(_list(client, attention="true"))


def test_needs_attention_reads_only_the_cadres_villages(client, cadre_yannan, district):
    """The spanning project needs attention in 镇南村 only: not for 烟南村's cadre."""
    spanning = district["spanning"]
    Case.objects.filter(project=spanning, household__cooperative__village__name="烟南村").update(
        next_follow_up_on=None, visit_count=3
    )
    client.force_login(cadre_yannan)
    assert _names(_list(client, attention="true")) == ["烟南征收"]


def test_the_chosen_filters_are_listed_with_a_link_to_remove_each(client, staff, district):
    client.force_login(staff)
    page = _list(client, kind="acquisition", ordering="-signed").content.decode()
    assert 'data-filter="kind"' in page and 'data-filter="ordering"' in page
    assert "signed % (descending)" in page


def test_an_invalid_filter_is_said_and_the_others_still_apply(client, staff, district):
    client.force_login(staff)
    response = _list(client, kind="orchard", status="completed")
    assert "Select a valid choice" in response.content.decode()
    assert _names(response) == ["镇南工改商"]


def test_a_village_out_of_scope_is_refused_not_used(client, cadre_yannan, district, zhennan):
    client.force_login(cadre_yannan)
    response = _list(client, village=zhennan.pk)
    assert "Select a valid choice" in response.content.decode()
    assert "镇南" not in "".join(_names(response))


# --- sorting --------------------------------------------------------------------------------


def test_every_sort_key_has_a_column():
    assert list(PROJECT_COLUMNS) == list(dashboards.PROJECT_SORT_KEYS)


@pytest.mark.parametrize("key", list(dashboards.PROJECT_SORT_KEYS))
def test_the_list_sorts_by_each_column_both_ways(client, staff, district, key):
    for project, due in ((district["spanning"], 20), (district["yannan"], 5)):
        Stage.objects.create(project=project, order=1, name="公告", due_on=date(2026, 12, due))
    client.force_login(staff)
    value = dashboards.PROJECT_SORT_KEYS[key]
    ascending = [value(s) for s in _rows(_list(client, ordering=key))]
    descending = [value(s) for s in _rows(_list(client, ordering=f"-{key}"))]
    present = [v for v in ascending if v is not None]
    assert present == sorted(present)
    assert [v for v in descending if v is not None] == sorted(present, reverse=True)
    # A row without a value (镇南工改商 has no stage due) comes last either way.
    assert ascending[len(present) :] == descending[len(present) :] == [None] * (3 - len(present))


def test_signed_share_sorts_exactly_and_a_project_without_households_comes_last(
    client, staff, district, yannan
):
    empty = ProjectFactory(name="尚无住户", villages=[yannan])
    Case.objects.filter(project=district["yannan"]).update(
        status="signed", agreement_signed_on=date(2021, 5, 1)
    )  # 6 of 6
    client.force_login(staff)
    names = _names(_list(client, ordering="-signed"))
    assert names[0] == "烟南征收" and names[-1] == empty.name
    assert _names(_list(client, ordering="signed"))[-1] == empty.name


def test_the_headers_sort_and_say_how(client, staff, district):
    client.force_login(staff)
    page = _list(client, kind="acquisition").content.decode()
    assert "?kind=acquisition&amp;ordering=-signed" in page  # figures: largest first
    assert "?kind=acquisition&amp;ordering=name" in page
    page = _list(client, ordering="-signed").content.decode()
    assert 'aria-sort="descending"' in page and "?ordering=signed" in page


def test_an_unknown_sort_is_refused_and_the_default_order_kept(client, staff, district):
    client.force_login(staff)
    response = _list(client, ordering="secret_field")
    assert "Select a valid choice" in response.content.decode()
    assert _names(response) == ["跨村土地整理", "烟南征收", "镇南工改商"]  # newest first


def test_fifty_projects_a_page(client, staff, yannan):
    for i in range(51):
        ProjectFactory(name=f"项目{i:02d}", villages=[yannan])
    client.force_login(staff)
    first = _list(client, ordering="name")
    assert len(_rows(first)) == 50 and first.context["page"].paginator.count == 51
    assert _names(_list(client, ordering="name", page=2)) == ["项目50"]


# --- the procedure's state ------------------------------------------------------------------


def test_the_next_stage_and_a_passed_deadline_are_shown(client, staff, yannan):
    project = acquisition_project(start=date(2025, 9, 1), villages=[yannan], name="征收甲")
    approval = project.stages.get(order=12)
    stage_mark_done(stage=approval, done_on=date(2025, 9, 26), user=staff)
    client.force_login(staff)
    response = _list(client)
    (row,) = _rows(response)
    assert row.next_stage.stage.order == 1  # nothing done before the approval
    assert row.deadline_flag.code == "deadline_passed"
    page = response.content.decode()
    assert 'data-flag="deadline_passed"' in page and "deadline passed" in page
    assert reverse("project_procedure", args=[project.pk]) in page


@pytest.mark.parametrize(
    "today, code",
    [
        (date(2025, 10, 15), None),
        (date(2025, 10, 20), "deadline_soon"),
        (date(2025, 10, 24), "deadline_passed"),
    ],
)
def test_the_next_stage_is_due_by_its_statutory_deadline(staff, yannan, today, code):
    """The announcement is due within 15 working days of the approval, done on Friday
    2025-09-26: by 2025-10-23 (National Day's week off in between). Flagged from seven days
    before, and once passed."""
    project = ProjectFactory(villages=[yannan])
    Stage.objects.create(project=project, order=1, name="征地批准", done_on=date(2025, 9, 26))
    Stage.objects.create(
        project=project,
        order=2,
        name="征收公告",
        period_kind=PeriodKind.DEADLINE,
        period_amount=15,
        period_unit=workdays.WORKING_DAYS,
    )
    (row,) = dashboards.project_list(staff, Project.objects.all(), today)
    assert row.next_stage.name == "征收公告"
    assert row.next_due == date(2025, 10, 23)
    assert (row.deadline_flag.code if row.deadline_flag else None) == code


# --- query budget ---------------------------------------------------------------------------


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("project_list")).status_code == 200
    return len(ctx.captured_queries)


def _projects(n, village, coop, staff, start):
    for i in range(n):
        project = acquisition_project(
            start=date(2025, 9, 1), villages=[village], name=f"预算项目{start + i}"
        )
        bulk_cases(project, coop, 3, recorder=staff, start=start * 10 + i * 5)
        VoteFactory(project=project, village=village, status=Vote.Status.OPEN)


@pytest.mark.parametrize("user_fixture", ["staff", "cadre_yannan"])
def test_the_list_reads_a_fixed_number_of_queries_for_3_or_30_projects(
    request, client, user_fixture, yannan, yannan_coop, staff, django_assert_max_num_queries
):
    """2 for the session and user, 2 for permissions, the eight of
    ``dashboards.project_list`` (one more for a cadre), the village filter's choices."""
    user = request.getfixturevalue(user_fixture)
    client.force_login(user)
    _projects(3, yannan, yannan_coop, staff, start=0)
    small = _queries(client)
    _projects(27, yannan, yannan_coop, staff, start=100)
    with django_assert_max_num_queries(14):
        large = _queries(client)
    assert large == small
    assert len(_rows(_list(client))) == 30


# --- export ---------------------------------------------------------------------------------


def _csv(client, **params) -> list[list[str]]:
    response = client.get(reverse("export", args=["projects", "csv"]), params)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_export_holds_the_lists_rows_filtered_and_sorted(client, staff, district):
    client.force_login(staff)
    header, *rows = _csv(client, status="active", ordering="-households")
    assert header[:5] == ["project", "kind", "status", "villages", "households"]
    assert [r[0] for r in rows] == ["跨村土地整理", "烟南征收"]
    spanning = rows[0]
    assert spanning[3] == "烟南村, 镇南村"  # an English export joins a list with commas
    assert spanning[4] == "32" and spanning[7:9] == ["10", "31.3%"]


def test_a_cadres_export_holds_their_villages_figures_only(client, cadre_yannan, district):
    client.force_login(cadre_yannan)
    _header, *rows = _csv(client)
    assert sorted(r[0] for r in rows) == ["烟南征收", "跨村土地整理"]
    spanning = next(r for r in rows if r[0] == "跨村土地整理")
    assert spanning[3] == "烟南村" and spanning[4] == "21"


def test_the_xlsx_export_escapes_a_name_that_would_run_as_a_formula(client, staff, yannan):
    ProjectFactory(name='=HYPERLINK("http://x","点我")', villages=[yannan])
    client.force_login(staff)
    response = client.get(reverse("export", args=["projects", "xlsx"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cell = sheet.cell(row=2, column=1)
    assert cell.value == '\'=HYPERLINK("http://x","点我")' and cell.data_type == "s"
    assert _csv(client)[1][0].startswith("'=")


def test_an_export_with_an_invalid_filter_is_refused_with_the_reason(client, staff, district):
    client.force_login(staff)
    response = client.get(reverse("export", args=["projects", "csv"]), {"kind": "orchard"})
    assert response.status_code == 400
    assert "kind" in response.content.decode()


def test_the_list_links_to_its_export_with_its_filters(client, staff, district):
    client.force_login(staff)
    page = _list(client, kind="acquisition").content.decode()
    assert reverse("export", args=["projects", "xlsx"]) + "?kind=acquisition" in page


# --- home -----------------------------------------------------------------------------------


def _cards(page: str) -> int:
    return page.count('class="card project-card"')


def test_home_shows_the_twelve_most_recently_visited_of_thirteen_active_projects(
    client, staff, yannan, yannan_coop
):
    today = timezone.localdate()
    projects = [ProjectFactory(name=f"首页项目{i:02d}", villages=[yannan]) for i in range(13)]
    for i, project in enumerate(projects):
        (case,) = bulk_cases(project, yannan_coop, 1, recorder=staff, start=i * 10, today=today)
        Case.objects.filter(pk=case.pk).update(last_visit_on=today - timedelta(days=i))
    ProjectFactory(name="已完成项目", status=Project.Status.COMPLETED, villages=[yannan])
    client.force_login(staff)
    response = client.get(reverse("home"))
    page = response.content.decode()
    assert _cards(page) == 12
    shown = [s.project.name for s in response.context["summaries"]]
    assert shown == [f"首页项目{i:02d}" for i in range(12)]  # the latest visit first
    assert "首页项目12" not in page and "已完成项目" not in page
    assert f'href="{reverse("project_list")}"' in page and "All 14 projects" in page


def test_home_shows_every_project_while_twelve_or_fewer_are_active(client, staff, yannan):
    for i in range(12):
        ProjectFactory(name=f"首页项目{i:02d}", villages=[yannan])
    ProjectFactory(name="已完成项目", status=Project.Status.COMPLETED, villages=[yannan])
    client.force_login(staff)
    page = client.get(reverse("home")).content.decode()
    assert _cards(page) == 13 and "已完成项目" in page
    assert "data-all-projects" not in page


# --- figures kept for a minute (PROJECT_FIGURES_SECONDS) ----------------------------------------


@pytest.fixture
def kept_figures(settings):
    """Figures kept as in production (the suite counts them on every request)."""
    from django.core.cache import cache

    settings.PROJECT_FIGURES_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def _households(response, project) -> int:
    return next(s.figures.households for s in _rows(response) if s.project == project)


def test_the_figures_of_those_who_see_every_village_are_kept_a_minute_and_say_so(
    client, district, staff, kept_figures, yannan_coop
):
    """Counting a district's million cases took 300–400 ms per page: those who see every
    village see the same figures, counted once a minute, and the page says when."""
    client.force_login(staff)
    first = _list(client)
    counted = {s.project.pk: s.figures for s in _rows(first)}
    assert counted == dashboards.figures_by(
        Case.objects.filter(project__in=list(district.values())), "project_id", timezone.localdate()
    )
    assert "Figures as of" in first.content.decode()

    bulk_cases(district["yannan"], yannan_coop, 2, recorder=staff, start=900)
    with CaptureQueriesContext(connection) as kept_read:
        kept = _list(client)
    assert _households(kept, district["yannan"]) == 6  # as counted a moment ago
    assert _rows(kept)[0].as_of == _rows(first)[0].as_of
    assert not any("GROUP BY" in q["sql"] and "cases_case" in q["sql"] for q in kept_read)

    home = client.get(reverse("home"))  # the same projects: the same figures, kept
    assert {s.project.pk: s.figures.households for s in home.context["summaries"]}[
        district["yannan"].pk
    ] == 6
    # Another set of projects (a filtered list) is counted anew.
    assert _households(_list(client, q="烟南征收"), district["yannan"]) == 8


def test_a_cadres_figures_are_never_the_kept_ones(
    client, district, staff, cadre_yannan, kept_figures, yannan_coop
):
    client.force_login(staff)
    assert _households(_list(client), district["spanning"]) == 32
    client.force_login(cadre_yannan)
    mine = _list(client)
    assert _households(mine, district["spanning"]) == 21  # their village's, counted now
    assert mine.context["as_of"] is None
    assert "Figures as of" not in mine.content.decode()


def test_kept_figures_are_counted_again_after_a_minute_and_on_a_new_day(
    client, district, staff, kept_figures, yannan_coop, monkeypatch
):
    """Overdue follow-ups depend on the day: figures kept yesterday are not today's."""
    client.force_login(staff)
    _list(client)
    bulk_cases(district["yannan"], yannan_coop, 2, recorder=staff, start=900)
    tomorrow = timezone.localdate() + timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    assert _households(_list(client), district["yannan"]) == 8

    from django.core.cache import cache

    bulk_cases(district["yannan"], yannan_coop, 1, recorder=staff, start=950)
    cache.clear()  # what a minute's expiry does
    assert _households(_list(client), district["yannan"]) == 9
