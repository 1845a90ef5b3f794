"""Frictions found walking the users' tasks end to end on the demo, held by Django tests (the
browser's are in tests/browser/test_walk_browser.py)."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Ballot, Case, Meeting, Project, Stance, Vote
from cases.views.casework import NOT_ENROLLED_SHOWN, PAGE_SIZE

from .factories import (
    BallotFactory,
    CaseFactory,
    CooperativeFactory,
    HouseholdFactory,
    StaffProfileFactory,
    StageFactory,
    UserFactory,
    VoteFactory,
    VoterFactory,
    bulk_cases,
)

#: Latin punctuation against a Chinese character: "法定人数: …; 通过条件: …", "(66.7%)".
HALF_WIDTH = re.compile(
    r"[\u4e00-\u9fff）][:;(]|[(][\u4e00-\u9fff\d][^)]*[)]|[:;] ?[\u4e00-\u9fff]"
)


@pytest.fixture
def loaded(db):
    call_command("load_demo", verbosity=0)


def _text(html: str) -> str:
    """What <main> shows, without its tags, scripts or attributes."""
    main = html.split("<main>", 1)[1].split("</main>", 1)[0]
    return unescape(re.sub(r"<[^>]+>", " ", main))


def _log_visit(case, user, *, stance=Stance.UNDECIDED, days_ago: int = 0):
    """A visit at home, with no concerns, notes or follow-up, through the service."""
    visit, _created = services.visit_record(
        case=case,
        recorded_by=user,
        visited_on=timezone.localdate() - timedelta(days=days_ago),
        place="home",
        stance=stance,
        concerns=[],
        notes="",
        next_follow_up_on=None,
    )
    return visit


def test_the_chinese_pages_punctuate_in_chinese(loaded, client):
    """The rule read "法定人数: 表决人数的2/3以上; 通过条件: …", the tally's threshold
    "通过标准: … (66.7%)", the home page "523户中已签约504户 (96.4%)", a ballot by proxy
    "书面委托 (关子)", a meeting's vote "会上表决: …": Latin colons, semicolons and brackets
    in Chinese sentences. Every vote page, the home page, the households with a proxy ballot and
    every meeting list now read with Chinese punctuation."""
    client.force_login(get_user_model().objects.get(username="admin"))
    urls = [reverse("home"), reverse("vote_new")]
    for vote in Vote.objects.all():
        urls += [reverse("vote_detail", args=[vote.pk]), reverse("vote_notice", args=[vote.pk])]
    for ballot in Ballot.objects.exclude(proxy_name="").order_by("pk")[:3]:
        urls.append(reverse("household_detail", args=[ballot.voter.household_id]))
    for project in Project.objects.filter(pk__in=Meeting.objects.values("project")):
        urls.append(reverse("meeting_list", args=[project.pk]))
    assert Vote.objects.filter(status=Vote.Status.CERTIFIED).exists()
    assert Meeting.objects.filter(votes__isnull=False).exists()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = _text(response.content.decode())
        assert not HALF_WIDTH.findall(text), (url, HALF_WIDTH.findall(text))


def test_a_search_names_the_households_in_no_project(
    client, cadre_yannan, yannan_coop, zhennan_coop, yannan_project
):
    """An administrator imported a roster, then looked for its households in the app: the
    case list (the app's only search) said "no case matches", a dead end. It names the
    households in no project that match, each a link to its page, in the user's villages."""
    imported = HouseholdFactory(cooperative=yannan_coop, number="201", head_name="测试甲")
    enrolled = CaseFactory(
        project=yannan_project,
        household=HouseholdFactory(cooperative=yannan_coop, number="202", head_name="测试乙"),
    ).household
    elsewhere = HouseholdFactory(cooperative=zhennan_coop, number="203", head_name="测试丙")
    client.force_login(cadre_yannan)

    response = client.get(reverse("case_list"), {"q": "测试"})
    page = response.content.decode()
    section = page.split('class="card not-enrolled"', 1)[1]
    assert reverse("household_detail", args=[imported.pk]) in section
    assert "201 测试甲" in section
    assert reverse("household_detail", args=[enrolled.pk]) not in section  # listed as a case
    assert "测试丙" not in page and str(elsewhere.pk) not in section  # another village's
    assert [case.household for case in response.context["page"]] == [enrolled]

    # Without a search, or when nothing in no project matches, nothing more is said.
    assert "not-enrolled" not in client.get(reverse("case_list")).content.decode()
    assert "not-enrolled" not in client.get(reverse("case_list"), {"q": "测试乙"}).content.decode()


def test_the_search_says_when_more_households_in_no_project_match(client, staff, yannan_coop):
    for n in range(NOT_ENROLLED_SHOWN + 2):
        HouseholdFactory(cooperative=yannan_coop, number=f"3{n:02d}", head_name=f"新户{n}")
    client.force_login(staff)

    response = client.get(reverse("case_list"), {"q": "新户"})
    section = response.content.decode().split('class="card not-enrolled"', 1)[1]
    assert section.count("<li>") == NOT_ENROLLED_SHOWN
    assert "只显示前10户" in section


def test_a_broad_search_that_fills_a_page_with_cases_looks_no_further(
    client, staff, yannan_coop, yannan_project
):
    """At a district's scale, a surname's households in no project are looked for among every
    match (0.3 s at a million households): a search whose cases fill a page does not."""
    bulk_cases(yannan_project, yannan_coop, PAGE_SIZE, recorder=staff)
    HouseholdFactory(cooperative=yannan_coop, number="901", head_name="批量户主新")
    client.force_login(staff)
    with CaptureQueriesContext(connection) as broad:
        page = client.get(reverse("case_list"), {"q": "批量户主"}).content.decode()
    assert "not-enrolled" not in page
    narrow = client.get(reverse("case_list"), {"q": "批量户主新"}).content.decode()
    assert "not-enrolled" in narrow and "901 批量户主新" in narrow
    with CaptureQueriesContext(connection) as whole_name:
        client.get(reverse("case_list"), {"q": "批量户主1"})  # 11 cases: looked for
    assert len(whole_name) == len(broad) + 1


def test_the_dashboard_opens_the_households_behind_its_counts_and_each_stage(
    client, leader, yannan_project, yannan_coop
):
    """A leader read "Opposed 11" on the dashboard and had no way to the eleven households
    but the status chart; the stages listed there led nowhere. The counts of households,
    supportive and opposed open the case list filtered alike, each stage its place on the
    procedure page."""
    opposed = CaseFactory(project=yannan_project, household__cooperative=yannan_coop)
    Case.objects.filter(pk=opposed.pk).update(stance=Stance.OPPOSED, status=Case.Status.OPPOSED)
    CaseFactory(project=yannan_project, household__cooperative=yannan_coop)
    stage = StageFactory(project=yannan_project)
    client.force_login(leader)

    page = client.get(reverse("project_dashboard", args=[yannan_project.pk])).content.decode()
    figure = re.search(r'data-figure="opposed".*?<a href="([^"]+)">1</a>', page, re.S)
    listed = client.get(unescape(figure[1])).context["page"]
    assert [case.pk for case in listed] == [opposed.pk]
    households = re.search(r'data-figure="households".*?<a href="([^"]+)">2</a>', page, re.S)
    assert len(client.get(unescape(households[1])).context["page"]) == 2

    procedure = reverse("project_procedure", args=[yannan_project.pk])
    assert f'href="{procedure}#stage-{stage.pk}"' in page
    assert f'id="stage-{stage.pk}"' in client.get(procedure).content.decode()


def test_an_overdue_follow_up_says_so_on_the_case_list_and_the_household(
    client, staff, yannan_project, yannan_coop
):
    """ "Whom do I visit next": a follow-up years past read like one due next week. An open
    case's passed follow-up is marked overdue, on the list and on the household page; a
    signed case's, or one still to come, is not."""
    today = timezone.localdate()
    late, signed, coming = (
        CaseFactory(project=yannan_project, household__cooperative=yannan_coop) for _ in range(3)
    )
    Case.objects.filter(pk=late.pk).update(next_follow_up_on=today - timedelta(days=1))
    Case.objects.filter(pk=signed.pk).update(
        next_follow_up_on=today - timedelta(days=1),
        status=Case.Status.SIGNED,
        agreement_signed_on=today - timedelta(days=2),
    )
    Case.objects.filter(pk=coming.pk).update(next_follow_up_on=today)
    client.force_login(staff)

    rows = client.get(reverse("case_list")).content.decode().split("<tbody>")[1].split("<tr>")
    marked = {row.split('"/households/')[1].split("/")[0] for row in rows if "回访已逾期" in row}
    assert marked == {str(late.household_id)}
    for case, shown in ((late, True), (signed, False), (coming, False)):
        page = client.get(reverse("household_detail", args=[case.household_id])).content.decode()
        assert ("回访已逾期" in page) is shown, case


def test_a_visit_logged_by_mistake_can_be_found_to_be_corrected(
    client, staff, cadre_yannan, leader, yannan_case
):
    """Staff who logged a visit wrongly (the wrong stance, a follow-up mistyped) found no way
    from the household's visits to correct it: each visit links to its correction form for
    those who may change visits (township staff, the village's cadres, administrators; it
    was the admin's change page, raw ids and all), not for a leader, who only reads."""
    visit = _log_visit(yannan_case, staff, stance=Stance.OPPOSED)
    household = reverse("household_detail", args=[yannan_case.household_id])
    correct = reverse("visit_correct", args=[visit.pk])
    for user in (staff, cadre_yannan):
        client.force_login(user)
        assert f'href="{correct}?next={household}"' in client.get(household).content.decode()
        assert client.get(correct).status_code == 200, user
    client.force_login(leader)
    page = client.get(household).content.decode()
    assert "visit-correct" not in page and correct not in page


@pytest.mark.parametrize("whole_village", [False, True])
def test_who_has_not_voted_names_the_cooperative_only_when_the_vote_has_several(
    client, staff, yannan, yannan_coop, whole_village
):
    """A cooperative's vote listed its 152 voters still to vote each as "东头经济社 002 潘芳":
    one cooperative, named 152 times. Its name is given only in a whole village's vote."""
    HouseholdFactory(cooperative=yannan_coop, number="002", head_name="潘芳")
    vote = services.vote_create(
        subject="《方案》",
        village=yannan,
        cooperative=None if whole_village else yannan_coop,
        rule_code=Vote.Rule.GROUP_MEETING,
        basis=Vote.Basis.HOUSEHOLD,
        opens_on=timezone.localdate(),
        closes_on=timezone.localdate() + timedelta(days=3),
        user=staff,
    )
    services.vote_open(vote=vote, user=staff)
    client.force_login(staff)

    page = client.get(reverse("vote_detail", args=[vote.pk])).content.decode()
    listed = re.search(r'<ul class="not-voted">(.*?)</ul>', page, re.S)[1]
    listed = " ".join(unescape(re.sub(r"<[^>]+>", " ", listed)).split())
    assert listed == ("东头经济社 002 潘芳" if whole_village else "002 潘芳")


def test_a_reversed_date_range_is_refused_not_answered_with_no_visits(client, staff, yannan_case):
    """A visitor's dates typed the wrong way round ("from 2021-05-01 to 2021-01-01") matched
    nothing: the visit list said "no visit matches" and the export was an empty file, both
    read as "none made then". The list says why beside the dates; the export is a 400 naming
    the parameter, as for any filter that is not valid."""
    _log_visit(yannan_case, staff)
    client.force_login(staff)
    reversed_range = {"visited_on_after": "2021-05-01", "visited_on_before": "2021-01-01"}

    page = client.get(reverse("visit_list"), reversed_range).content.decode()
    assert "开始日期晚于结束日期" in page
    export = client.get(reverse("export", args=["visits", "csv"]), reversed_range)
    assert export.status_code == 400
    assert "visited_on" in export.content.decode()

    same_day = {"visited_on_after": "2021-05-01", "visited_on_before": "2021-05-01"}
    page = client.get(reverse("visit_list"), same_day).content.decode()
    assert "开始日期晚于结束日期" not in page
    assert client.get(reverse("export", args=["visits", "csv"]), same_day).status_code == 200


def test_each_cooperatives_counts_on_the_dashboard_open_its_households(
    client, leader, yannan_project, yannan_coop
):
    """A leader read "东头经济社 … Opposed 1" in the dashboard's table by cooperative and had
    no way to that household but to filter the case list by hand: each cooperative's
    households, supportive and opposed open the case list filtered alike, as the project's
    own counts do."""
    other_coop = CooperativeFactory(village=yannan_coop.village, name="北便经济社")
    opposed, supportive, elsewhere = (
        CaseFactory(project=yannan_project, household__cooperative=coop)
        for coop in (yannan_coop, yannan_coop, other_coop)
    )
    for case, stance in ((opposed, Stance.OPPOSED), (supportive, Stance.SUPPORTIVE)):
        Case.objects.filter(pk=case.pk).update(stance=stance)
    Case.objects.filter(pk=elsewhere.pk).update(stance=Stance.OPPOSED)
    client.force_login(leader)

    page = client.get(reverse("project_dashboard", args=[yannan_project.pk])).content.decode()
    table = page.split('class="list cooperatives"', 1)[1].split("</table>", 1)[0]
    row = next(tr for tr in table.split("<tr>") if yannan_coop.name in tr)
    links = [unescape(href) for href in re.findall(r'<a href="([^"]+)"', row)]
    assert len(links) == 5  # households, visited, supportive, opposed, signed
    opened = [[case.pk for case in client.get(link).context["page"]] for link in links]
    assert sorted(opened[0]) == sorted([opposed.pk, supportive.pk])
    assert opened[2:4] == [[supportive.pk], [opposed.pk]]


def test_a_correction_tells_a_misdated_follow_up_with_no_visitor_at_once(
    client, staff, yannan_case
):
    """Correcting a visit, staff untick its visitors by mistake and mistype its follow-up
    before the visit: only "tick at least one visitor" was told; the follow-up, checked by
    the service once the form was valid, was refused on the next try. Both are told at once,
    beside their fields, and nothing is saved."""
    visit = _log_visit(yannan_case, staff, days_ago=3)
    client.force_login(staff)
    sent = {
        "visited_on": f"{visit.visited_on:%Y-%m-%d}",
        "place": "home",
        "stance": Stance.OPPOSED,
        "next_follow_up_on": f"{visit.visited_on - timedelta(days=1):%Y-%m-%d}",
    }

    response = client.post(reverse("visit_correct", args=[visit.pk]), sent)
    errors = response.context["form"].errors
    assert "请至少勾选一名走访人员。" in errors["visitors"]
    assert "下次回访日期不能早于走访日期。" in errors["next_follow_up_on"]
    visit.refresh_from_db()
    assert visit.stance == Stance.UNDECIDED


def test_a_votes_admin_page_reads_its_ballots_at_once(client, superuser, yannan_coop):
    """A vote's admin page read each ballot's voter and recorder one ballot at a time: 781
    queries for the 386 ballots of the demo's 镇南村 vote. As many queries for 12 ballots
    as for 2."""
    vote = VoteFactory(village=yannan_coop.village, cooperative=yannan_coop)
    client.force_login(superuser)

    def add_ballot():
        BallotFactory(voter=VoterFactory(vote=vote, household__cooperative=yannan_coop))

    url = reverse("admin:cases_vote_change", args=[vote.pk])
    assert _admin_queries(client, url, "field-voter", add_ballot, 2) == _admin_queries(
        client, url, "field-voter", add_ballot, 12
    )


def test_a_cases_admin_page_reads_its_visits_at_once(client, superuser, staff, yannan_case):
    """A case's admin page read each visit's case, household and recorder: three queries a
    visit (34 for a demo case visited eight times)."""
    client.force_login(superuser)
    url = reverse("admin:cases_case_change", args=[yannan_case.pk])

    def add_visit():
        _log_visit(yannan_case, staff)

    assert _admin_queries(client, url, "field-recorded_by_name", add_visit, 2) == (
        _admin_queries(client, url, "field-recorded_by_name", add_visit, 8)
    )


def _admin_queries(client, url: str, cell: str, add_row, rows: int) -> int:
    """The queries of an admin page whose inline shows ``rows`` rows (``add_row`` adds one),
    read a second time: the first reads the session and the admin's own rows."""
    for _ in range(rows):  # bounded: a cell renamed must fail the count below, not hang
        if client.get(url).content.decode().count(f'class="{cell}"') >= rows:
            break
        add_row()
    with CaptureQueriesContext(connection) as read:
        page = client.get(url).content.decode()
    assert page.count(f'class="{cell}"') == rows
    return len(read)


def test_a_staff_profile_names_its_person_family_name_first(client, superuser):
    """The user page's staff profile was headed "丽惠 区" (Django's full name, given name
    first, as in the admin's history and delete pages): a Chinese name is written "区丽惠",
    as everywhere else in the app."""
    profile = StaffProfileFactory(user=UserFactory(last_name="区", first_name="丽惠"))
    client.force_login(superuser)

    page = client.get(reverse("admin:auth_user_change", args=[profile.user_id])).content.decode()
    assert str(profile) == "区丽惠"
    assert re.search(r'<span class="inline_label">\s*区丽惠', page)
    assert "丽惠 区" not in page


def test_the_user_list_names_each_person_and_their_role(client, superuser):
    """The user list showed Django's columns: an e-mail address nobody here has, "first
    name" then "last name" ("丽惠", "区": read "丽惠 区"), and no role, so an administrator
    could not tell a cadre from a leader without filtering. It shows each person's name as
    written in Chinese and their role, read with the page (as many queries for 8 people as
    for 2)."""
    from cases import roles

    client.force_login(superuser)
    url = reverse("admin:auth_user_changelist")

    def queries(people: int) -> tuple[int, str]:
        for _ in range(people - get_user_model().objects.exclude(pk=superuser.pk).count()):
            UserFactory(role=roles.VILLAGE_CADRE, last_name="区", first_name="丽惠")
        client.get(url)
        with CaptureQueriesContext(connection) as read:
            page = client.get(url).content.decode()
        return len(read), page

    few, page = queries(2)
    many, _page = queries(8)
    assert few == many
    row = page.split('class="field-name">区丽惠</td>', 1)[1].split("</tr>", 1)[0]
    assert '<td class="field-role">村（社区）干部</td>' in row
    assert "丽惠 区" not in page and "field-first_name" not in page
