"""Vote services: set-up, frozen roll, ballots, corrections, closing, certification.

Every refusal is tested with its message and with the database unchanged.
"""

import threading
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from cases import services
from cases.models import Ballot, Meeting, Vote, Voter
from cases.services import BallotEntry

from .factories import (
    CooperativeFactory,
    HouseholdFactory,
    MeetingFactory,
    MemberFactory,
    ProjectFactory,
    UserFactory,
    VillageFactory,
)

DAY = date(2021, 1, 16)
#: A member assembly's law (《农村集体经济组织法》) is in force from 2025-05-01.
ASSEMBLY_DAY = date(2025, 6, 14)


def make_vote(village, user, **overrides):
    fields = {
        "subject": "《土地前期整理方案和协议》",
        "village": village,
        "rule_code": Vote.Rule.GROUP_MEETING,
        "basis": Vote.Basis.HOUSEHOLD,
        "opens_on": DAY,
        "closes_on": DAY + timedelta(days=6),
        "user": user,
    }
    return services.vote_create(**fields | overrides)


def make_assembly(village, user, **overrides):
    """A member assembly (one vote per member) opening on ``ASSEMBLY_DAY``."""
    fields = {
        "rule_code": Vote.Rule.MEMBER_ASSEMBLY,
        "basis": Vote.Basis.MEMBER,
        "opens_on": ASSEMBLY_DAY,
        "closes_on": ASSEMBLY_DAY + timedelta(days=6),
    }
    return make_vote(village, user, **fields | overrides)


@pytest.fixture
def households(yannan_coop):
    return [HouseholdFactory(cooperative=yannan_coop) for _ in range(5)]


@pytest.fixture
def coop_vote(yannan, yannan_coop, households, staff):
    return make_vote(yannan, staff, cooperative=yannan_coop)


@pytest.fixture
def open_vote(coop_vote, staff):
    return services.vote_open(vote=coop_vote, user=staff)


@pytest.fixture
def assembly(yannan, yannan_coop, staff):
    """A member assembly of one household with three adult members."""
    household = HouseholdFactory(cooperative=yannan_coop)
    for name in ("关志伟", "关丽华", "关家俊"):
        MemberFactory(household=household, name=name)
    vote = make_assembly(yannan, staff, cooperative=yannan_coop)
    return services.vote_open(vote=vote, user=staff)


def voter(vote, n=0):
    return Voter.objects.filter(vote=vote).order_by("pk")[n]


def cast(vote, user, n=0, **kwargs):
    fields = {"choice": "for", "cast_on": vote.opens_on} | kwargs
    return services.ballot_cast(vote=vote, voter=voter(vote, n), user=user, **fields)


def refused(call, *fragments):
    with pytest.raises(ValidationError) as info:
        call()
    text = " ".join(info.value.messages)
    for fragment in fragments:
        assert fragment in text, text
    return info.value


# --- Set-up -------------------------------------------------------------------------------


def test_a_vote_is_created_as_a_draft_without_a_roll(coop_vote):
    assert coop_vote.status == Vote.Status.DRAFT
    assert not coop_vote.voters.exists()


def test_a_cooperative_of_another_village_is_refused(yannan, zhennan_coop, staff):
    error = refused(
        lambda: make_vote(yannan, staff, cooperative=zhennan_coop),
        "does not belong to 烟南村",
    )
    assert "cooperative" in error.message_dict
    assert not Vote.objects.exists()


def test_a_project_not_covering_the_village_is_refused(zhennan, yannan_project, staff):
    refused(lambda: make_vote(zhennan, staff, project=yannan_project), "does not cover 镇南村")
    assert not Vote.objects.exists()


def test_a_meeting_of_another_project_is_refused(yannan, yannan_project, staff):
    other = MeetingFactory(project=ProjectFactory(villages=[yannan]))
    refused(
        lambda: make_vote(yannan, staff, project=yannan_project, meeting=other),
        "another project",
    )
    assert not Vote.objects.exists()


def test_a_vote_cannot_close_before_it_opens(yannan, staff):
    refused(lambda: make_vote(yannan, staff, closes_on=DAY - timedelta(days=1)), "close before")
    assert not Vote.objects.exists()


def test_an_incomplete_custom_rule_is_refused_field_by_field(yannan, staff):
    error = refused(lambda: make_vote(yannan, staff, rule_code="custom", custom_approval_num=3))
    assert set(error.message_dict) >= {
        "custom_approval_num",
        "custom_approval_denominator",
        "custom_citation",
    }
    refused(
        lambda: make_vote(
            yannan,
            staff,
            rule_code="custom",
            custom_approval_num=3,
            custom_approval_den=2,
            custom_approval_denominator="present",
            custom_citation="镇党委会议 2021-01-05",
        ),
        "between 0 and 1",
    )
    assert not Vote.objects.exists()


def test_a_complete_custom_rule_is_kept(yannan, staff):
    vote = make_vote(
        yannan,
        staff,
        rule_code="custom",
        custom_quorum_num=1,
        custom_quorum_den=2,
        custom_approval_num=3,
        custom_approval_den=4,
        custom_approval_denominator="eligible",
        custom_citation="镇党委会议 2021-01-05",
    )
    assert (vote.custom_approval_num, vote.custom_approval_den) == (3, 4)


def test_a_preset_rule_drops_stray_custom_numbers(yannan, staff):
    vote = make_vote(yannan, staff, custom_approval_num=3, custom_approval_den=4)
    assert vote.custom_approval_num is None


def test_a_member_assembly_votes_one_person_one_vote(yannan, staff):
    refused(
        lambda: make_assembly(yannan, staff, basis=Vote.Basis.HOUSEHOLD),
        "one person one vote",
    )
    assert not Vote.objects.exists()


def test_a_rule_whose_law_was_not_in_force_on_the_opening_day_is_refused(yannan, staff):
    """A 2020 vote under the member assembly rule would cite 《农村集体经济组织法》 (2024, in
    force 2025-05-01) on its notice: refused beside the rule, nothing saved."""
    error = refused(
        lambda: make_assembly(yannan, staff, opens_on=date(2020, 9, 1), closes_on=date(2020, 9, 7)),
        "in force from 2025-05-01",
        "a vote opening on 2020-09-01 cannot be held under it",
        "custom rule",
    )
    assert list(error.message_dict) == ["rule_code"]
    assert not Vote.objects.exists()
    vote = make_assembly(yannan, staff, opens_on=date(2025, 5, 1), closes_on=date(2025, 5, 7))
    assert vote.status == Vote.Status.DRAFT  # from the day it took effect


def test_an_old_paper_vote_is_entered_under_a_custom_rule_with_its_basis(yannan, staff):
    vote = make_vote(
        yannan,
        staff,
        rule_code=Vote.Rule.CUSTOM,
        basis=Vote.Basis.MEMBER,
        opens_on=date(2020, 9, 1),
        closes_on=date(2020, 9, 7),
        custom_quorum_num=2,
        custom_quorum_den=3,
        custom_approval_num=2,
        custom_approval_den=3,
        custom_approval_inclusive=True,
        custom_approval_denominator="eligible",
        custom_citation="经济社章程：全体股东三分之二以上同意",
    )
    assert vote.status == Vote.Status.DRAFT


def test_a_draft_moved_before_its_rules_law_is_refused(yannan, staff):
    vote = make_assembly(yannan, staff)
    vote.opens_on, vote.closes_on = date(2024, 6, 1), date(2024, 6, 7)
    refused(lambda: services.vote_update(vote=vote, user=staff), "in force from 2025-05-01")
    vote.refresh_from_db()
    assert vote.opens_on == ASSEMBLY_DAY


# --- Opening: the frozen roll ----------------------------------------------------------------


def test_opening_freezes_one_voter_per_household_of_the_cooperative(open_vote, households, yannan):
    HouseholdFactory(cooperative=CooperativeFactory(village=yannan))  # another cooperative
    assert open_vote.status == Vote.Status.OPEN
    assert open_vote.opened_by.username == "staff"
    assert sorted(v.household_id for v in open_vote.voters.all()) == [h.pk for h in households]
    assert [v.name for v in open_vote.voters.order_by("pk")] == [h.head_name for h in households]


def test_a_village_wide_roll_covers_every_cooperative(yannan, yannan_coop, staff):
    other = CooperativeFactory(village=yannan)
    for coop in (yannan_coop, other, yannan_coop):
        HouseholdFactory(cooperative=coop)
    HouseholdFactory(cooperative=CooperativeFactory(village=VillageFactory()))
    vote = services.vote_open(vote=make_vote(yannan, staff), user=staff)
    assert vote.voters.count() == 3


def test_a_member_roll_keeps_adults_on_the_opening_day_and_the_filters(yannan, yannan_coop, staff):
    household = HouseholdFactory(cooperative=yannan_coop)
    MemberFactory(household=household, name="十八岁当天", birth_date=date(2007, 6, 14))
    MemberFactory(household=household, name="差一天", birth_date=date(2007, 6, 15))
    MemberFactory(household=household, name="非股东", is_shareholder=False, shares=0)
    MemberFactory(household=household, name="非成员", is_collective_member=False)
    MemberFactory(household=household, name="无生日", birth_date=None)
    vote = make_assembly(yannan, staff, cooperative=yannan_coop, only_shareholders=True)
    vote = services.vote_open(vote=vote, user=staff)
    assert [v.name for v in vote.voters.all()] == ["十八岁当天"]
    assert vote.voters.get().is_adult


def test_a_roll_without_the_adult_filter_marks_minors(yannan, yannan_coop, staff):
    household = HouseholdFactory(cooperative=yannan_coop)
    MemberFactory(household=household, name="成年")
    MemberFactory(household=household, name="未成年", birth_date=date(2010, 1, 1))
    vote = make_assembly(yannan, staff, cooperative=yannan_coop, only_adults=False)
    vote = services.vote_open(vote=vote, user=staff)
    assert {v.name: v.is_adult for v in vote.voters.all()} == {"成年": True, "未成年": False}


@pytest.mark.parametrize("rule_code", [Vote.Rule.VILLAGERS_MEETING, Vote.Rule.GROUP_MEETING])
def test_a_villagers_or_group_meeting_rolls_adults_only(yannan, yannan_coop, staff, rule_code):
    """Their quorum counts villagers aged 18 and over: a roll with minors would count them as
    eligible and present, and the tally would not be the law's."""
    with pytest.raises(ValidationError) as refused:
        make_vote(
            yannan,
            staff,
            cooperative=yannan_coop,
            rule_code=rule_code,
            basis=Vote.Basis.MEMBER,
            only_adults=False,
        )
    assert "aged 18 and over" in refused.value.message_dict["only_adults"][0]
    assert not Vote.objects.exists()


def test_a_representatives_meeting_rolls_the_representatives(yannan, yannan_coop, staff):
    household = HouseholdFactory(cooperative=yannan_coop)
    MemberFactory(household=household, name="代表", is_villager_representative=True)
    MemberFactory(household=household, name="村民")
    vote = make_vote(
        yannan, staff, rule_code=Vote.Rule.REPRESENTATIVES_MEETING, basis=Vote.Basis.MEMBER
    )
    vote = services.vote_open(vote=vote, user=staff)
    assert [v.name for v in vote.voters.all()] == ["代表"]


def test_an_empty_roll_is_refused_and_the_vote_stays_a_draft(yannan, staff):
    vote = make_vote(yannan, staff)
    refused(lambda: services.vote_open(vote=vote, user=staff), "roll would be empty")
    vote.refresh_from_db()
    assert vote.status == Vote.Status.DRAFT
    assert not Voter.objects.exists()


def test_a_vote_is_opened_once(open_vote, staff):
    refused(lambda: services.vote_open(vote=open_vote, user=staff), "Only a draft vote")
    assert open_vote.voters.count() == 5


def test_an_opened_vote_keeps_its_set_up(open_vote, staff):
    open_vote.subject = "改过的"
    refused(lambda: services.vote_update(vote=open_vote, user=staff), "cannot change")
    open_vote.refresh_from_db()
    assert open_vote.subject != "改过的"


# --- Ballots -------------------------------------------------------------------------------


def test_a_ballot_is_recorded_by_the_cadre(open_vote, cadre_yannan):
    ballot = cast(open_vote, cadre_yannan, method="door_to_door")
    assert (ballot.choice, ballot.method, ballot.recorded_by) == (
        "for",
        "door_to_door",
        cadre_yannan,
    )
    assert ballot.history.get().history_user == cadre_yannan


def test_a_second_ballot_for_the_same_voter_is_refused(open_vote, cadre_yannan):
    cast(open_vote, cadre_yannan)
    refused(lambda: cast(open_vote, cadre_yannan, choice="against"), "has already voted", "for")
    assert Ballot.objects.get().choice == "for"


def test_a_draft_vote_takes_no_ballot(coop_vote, cadre_yannan, households):
    other = services.vote_open(vote=make_vote(coop_vote.village, cadre_yannan), user=cadre_yannan)
    refused(
        lambda: services.ballot_cast(
            vote=coop_vote, voter=voter(other), choice="for", cast_on=DAY, user=cadre_yannan
        ),
        "draft",
    )
    assert not Ballot.objects.exists()


def test_a_voter_of_another_vote_is_refused(open_vote, yannan, staff, cadre_yannan):
    other = services.vote_open(vote=make_vote(yannan, staff), user=staff)
    refused(
        lambda: services.ballot_cast(
            vote=open_vote, voter=voter(other), choice="for", cast_on=DAY, user=cadre_yannan
        ),
        "not on this vote's roll",
    )
    assert not Ballot.objects.exists()


@pytest.mark.parametrize(
    ("cast_on", "message"),
    [
        (DAY - timedelta(days=1), "must lie between"),
        (DAY + timedelta(days=7), "must lie between"),
        (None, "Give the date"),
    ],
)
def test_a_ballot_date_outside_the_vote_is_refused(open_vote, cadre_yannan, cast_on, message):
    refused(lambda: cast(open_vote, cadre_yannan, cast_on=cast_on), message)
    assert not Ballot.objects.exists()


def test_a_ballot_date_in_the_future_is_refused(yannan, yannan_coop, households, staff):
    today = timezone.localdate()
    vote = make_vote(yannan, staff, opens_on=today, closes_on=today + timedelta(days=5))
    vote = services.vote_open(vote=vote, user=staff)
    refused(lambda: cast(vote, staff, cast_on=today + timedelta(days=1)), "future")
    assert not Ballot.objects.exists()


def test_a_proxy_needs_a_name(open_vote, cadre_yannan):
    refused(lambda: cast(open_vote, cadre_yannan, method="proxy"), "needs the proxy's name")
    assert not Ballot.objects.exists()


def test_a_proxy_name_without_a_proxy_ballot_is_refused(open_vote, cadre_yannan):
    refused(lambda: cast(open_vote, cadre_yannan, proxy_name="张三"), "only for a ballot")
    assert not Ballot.objects.exists()


def test_a_written_proxy_stores_the_name(open_vote, cadre_yannan):
    ballot = cast(open_vote, cadre_yannan, method="proxy", proxy_name=" 张三 ")
    assert ballot.proxy_name == "张三"


def test_a_member_assembly_refuses_a_proxy_from_outside_the_household(assembly, cadre_yannan):
    refused(
        lambda: cast(assembly, cadre_yannan, method="proxy", proxy_name="外人"),
        "member of the voter's own household",
        "关丽华",
    )
    stranger = MemberFactory(name="外户")
    refused(
        lambda: cast(assembly, cadre_yannan, method="proxy", proxy_member=stranger),
        "member of the voter's own household",
    )
    assert not Ballot.objects.exists()


def test_the_members_a_proxy_may_be_are_listed_as_the_language_lists_them(assembly, cadre_yannan):
    with translation.override("en"):
        refused(lambda: cast(assembly, cadre_yannan, method="proxy"), "关丽华, 关家俊.")
    with translation.override("zh-hans"):
        refused(lambda: cast(assembly, cadre_yannan, method="proxy"), "关丽华、关家俊")


def test_a_member_assembly_takes_a_proxy_of_the_household(assembly, cadre_yannan):
    spouse = voter(assembly, 1).member
    ballot = cast(assembly, cadre_yannan, method="proxy", proxy_member=spouse)
    assert (ballot.proxy_member, ballot.proxy_name) == (spouse, "关丽华")
    by_name = cast(assembly, cadre_yannan, n=2, method="proxy", proxy_name="关志伟")
    assert by_name.proxy_member == voter(assembly, 0).member


def test_a_voter_is_not_their_own_proxy(assembly, cadre_yannan):
    refused(
        lambda: cast(assembly, cadre_yannan, method="proxy", proxy_member=voter(assembly).member),
        "own household",
    )
    assert not Ballot.objects.exists()


def test_two_cadres_saving_the_same_voter_at_once_store_one_ballot(
    transactional_db, yannan, yannan_coop, staff, cadre_yannan
):
    """On PostgreSQL two threads race (a barrier releases both at once); on SQLite, which
    serialises writers, the second save runs after the first. Either way the database
    constraint decides and the loser gets the clear message."""
    HouseholdFactory(cooperative=yannan_coop)
    vote = services.vote_open(vote=make_vote(yannan, staff, cooperative=yannan_coop), user=staff)
    target = voter(vote)
    other = UserFactory(username="cadre_two")
    outcomes = []
    barrier = threading.Barrier(2)

    def save(user, choice):
        try:
            services.ballot_cast(vote=vote, voter=target, choice=choice, cast_on=DAY, user=user)
            outcomes.append("saved")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])

    def in_thread(user, choice):
        from django.utils import translation

        try:
            barrier.wait(timeout=10)
            with translation.override("en"):  # a new thread starts in the default language
                save(user, choice)
        finally:
            connection.close()

    if connection.vendor == "postgresql":
        threads = [
            threading.Thread(target=in_thread, args=(cadre_yannan, "for")),
            threading.Thread(target=in_thread, args=(other, "against")),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    else:
        save(cadre_yannan, "for")
        save(other, "against")
    assert Ballot.objects.filter(vote=vote).count() == 1
    assert outcomes.count("saved") == 1
    [refusal] = [o for o in outcomes if o != "saved"]
    assert "has already voted" in refusal


# --- The sheet: many ballots at once ---------------------------------------------------------


def test_a_sheet_saves_the_good_rows_and_reports_the_others(open_vote, cadre_yannan):
    first, second, third = (voter(open_vote, n) for n in range(3))
    cast(open_vote, cadre_yannan, n=2)
    result = services.ballot_cast_many(
        vote=open_vote,
        entries=[
            BallotEntry(first.pk, "for"),
            BallotEntry(second.pk, "against", "proxy"),
            BallotEntry(third.pk, "abstain"),
            BallotEntry(999_999, "for"),
        ],
        cast_on=DAY,
        user=cadre_yannan,
    )
    assert [b.voter_id for b in result.saved] == [first.pk]
    assert "needs the proxy's name" in result.errors[second.pk][0]
    assert "has already voted" in result.errors[third.pk][0]
    assert "not on this vote's roll" in result.errors[999_999][0]
    assert Ballot.objects.filter(vote=open_vote).count() == 2
    assert Ballot.history.filter(voter=first).get().history_user == cadre_yannan


def test_a_sheet_for_a_closed_vote_writes_nothing(open_vote, staff, cadre_yannan):
    services.vote_close(vote=open_vote, user=staff)
    refused(
        lambda: services.ballot_cast_many(
            vote=open_vote,
            entries=[BallotEntry(voter(open_vote).pk, "for")],
            cast_on=DAY,
            user=cadre_yannan,
        ),
        "closed",
        "no ballots",
    )
    assert not Ballot.objects.exists()


# --- Corrections ---------------------------------------------------------------------------


def test_a_correction_keeps_who_when_old_new_and_why(open_vote, cadre_yannan, staff):
    ballot = cast(open_vote, cadre_yannan)
    services.ballot_correct(
        ballot=ballot, choice="against", reason="票面看错", user=staff, method="in_person"
    )
    ballot.refresh_from_db()
    assert ballot.choice == "against"
    new, old = ballot.history.order_by("-history_date", "-history_id")
    assert (old.choice, new.choice) == ("for", "against")
    assert (new.history_user, new.history_change_reason) == (staff, "票面看错")


def test_a_correction_needs_a_reason_and_a_change(open_vote, cadre_yannan):
    ballot = cast(open_vote, cadre_yannan)
    refused(
        lambda: services.ballot_correct(
            ballot=ballot, choice="against", reason=" ", user=cadre_yannan
        ),
        "reason",
    )
    refused(
        lambda: services.ballot_correct(ballot=ballot, choice="for", reason="x", user=cadre_yannan),
        "Nothing to correct",
    )
    assert ballot.history.count() == 1


# --- Closing and certification -------------------------------------------------------------


def test_a_closed_vote_takes_no_ballots_and_no_corrections(open_vote, cadre_yannan, staff):
    ballot = cast(open_vote, cadre_yannan)
    services.vote_close(vote=open_vote, user=staff)
    refused(lambda: cast(open_vote, cadre_yannan, n=1), "closed", "no ballots")
    refused(
        lambda: services.ballot_correct(
            ballot=ballot, choice="against", reason="晚了", user=cadre_yannan
        ),
        "closed",
    )
    assert Ballot.objects.get().choice == "for"


def test_only_an_open_vote_is_closed_and_only_a_closed_one_certified(coop_vote, staff, leader):
    refused(lambda: services.vote_close(vote=coop_vote, user=staff), "Only an open vote")
    refused(lambda: services.vote_certify(vote=coop_vote, user=leader), "Only a closed vote")


def test_the_opener_cannot_certify(open_vote, staff):
    services.vote_close(vote=open_vote, user=staff)
    refused(lambda: services.vote_certify(vote=open_vote, user=staff), "cannot certify")
    open_vote.refresh_from_db()
    assert open_vote.status == Vote.Status.CLOSED


def test_certification_freezes_the_result(open_vote, cadre_yannan, staff, leader):
    for n in range(4):
        cast(open_vote, cadre_yannan, n=n)
    services.vote_close(vote=open_vote, user=staff)
    vote = services.vote_certify(vote=open_vote, user=leader)
    assert vote.status == Vote.Status.CERTIFIED
    assert vote.certified_by == leader
    assert vote.result["for"] == 4 and vote.result["eligible"] == 5
    assert vote.result["passed"] is True
    refused(lambda: cast(vote, cadre_yannan, n=4), "certified")
    refused(
        lambda: services.ballot_correct(
            ballot=Ballot.objects.first(), choice="against", reason="x", user=staff
        ),
        "certified",
    )
    refused(lambda: services.vote_certify(vote=vote, user=leader), "Only a closed vote")
    assert Ballot.objects.count() == 4


# --- Meetings ------------------------------------------------------------------------------


def test_a_meeting_is_recorded_with_attendance_and_minutes(yannan_project, yannan, staff):
    meeting = services.meeting_record(
        project=yannan_project,
        kind=Meeting.Kind.POLICY_QA,
        held_on=date(2021, 1, 8),
        village=yannan,
        attendance=86,
        summary="政策答疑",
        user=staff,
    )
    assert (meeting.attendance, meeting.summary) == (86, "政策答疑")


def test_a_meeting_in_a_village_outside_the_project_is_refused(yannan_project, zhennan, staff):
    refused(
        lambda: services.meeting_record(
            project=yannan_project,
            kind=Meeting.Kind.VILLAGERS,
            held_on=date(2021, 1, 8),
            village=zhennan,
            user=staff,
        ),
        "does not cover 镇南村",
    )
    refused(
        lambda: services.meeting_record(
            project=yannan_project,
            kind=Meeting.Kind.VILLAGERS,
            held_on=timezone.localdate() + timedelta(days=1),
            user=staff,
        ),
        "once it has been held",
    )
    assert not Meeting.objects.exists()
