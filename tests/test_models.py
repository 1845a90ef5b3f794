"""The rules the data must keep are database constraints: they hold on SQLite and PostgreSQL
even when the application's checks are bypassed."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from cases.models import Ballot, Case, Household, Visit

from .factories import CaseFactory, HouseholdFactory, UserFactory, VoterFactory


def refused(fn):
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()
    return True


def test_household_number_is_unique_within_a_cooperative(yannan_coop, zhennan_coop):
    HouseholdFactory(cooperative=yannan_coop, number="001")
    HouseholdFactory(cooperative=zhennan_coop, number="001")  # another cooperative: fine
    assert refused(lambda: HouseholdFactory(cooperative=yannan_coop, number="001"))
    assert Household.objects.filter(number="001").count() == 2


def test_negative_contracted_area_is_refused(yannan_coop):
    assert refused(lambda: HouseholdFactory(cooperative=yannan_coop, contracted_mu=Decimal("-1")))


def test_negative_affected_area_and_compensation_are_refused(db):
    assert refused(lambda: CaseFactory(affected_mu=Decimal("-0.01")))
    assert refused(lambda: CaseFactory(compensation_yuan=Decimal("-5")))


def test_one_case_per_project_and_household(db):
    case = CaseFactory()
    assert refused(lambda: CaseFactory(project=case.project, household=case.household))


def test_a_signed_case_needs_its_agreement_date(db):
    assert refused(lambda: CaseFactory(status=Case.Status.SIGNED))
    signed = CaseFactory(status=Case.Status.SIGNED, agreement_signed_on=date(2021, 6, 1))
    assert signed.pk


def test_one_ballot_per_voter_per_vote(db):
    voter = VoterFactory()
    clerk = UserFactory()

    def cast():
        Ballot.objects.create(
            vote=voter.vote,
            voter=voter,
            choice="for",
            cast_on=date(2021, 1, 16),
            recorded_by=clerk,
        )

    cast()
    assert refused(cast)
    assert Ballot.objects.count() == 1


def test_a_ballot_is_for_a_voter_on_its_own_votes_roll(db):
    """The services refuse it; the database does too (migration 0012), for any other path."""
    voter, other = VoterFactory(), VoterFactory()
    clerk = UserFactory()

    def cast(vote, voter):
        return Ballot.objects.create(
            vote=vote, voter=voter, choice="for", cast_on=date(2021, 1, 16), recorded_by=clerk
        )

    assert voter.vote_id != other.vote_id
    assert refused(lambda: cast(other.vote, voter))
    ballot = cast(voter.vote, voter)
    assert refused(lambda: Ballot.objects.filter(pk=ballot.pk).update(vote=other.vote))
    assert refused(lambda: Ballot.objects.filter(pk=ballot.pk).update(voter=other))
    assert list(Ballot.objects.values_list("vote", "voter")) == [(voter.vote_id, voter.pk)]


def test_a_proxy_ballot_names_the_proxy(db):
    voter = VoterFactory()
    assert refused(
        lambda: Ballot.objects.create(
            vote=voter.vote,
            voter=voter,
            choice="for",
            method="proxy",
            cast_on=date(2021, 1, 16),
            recorded_by=UserFactory(),
        )
    )


def test_visit_client_id_is_unique(db):
    case = CaseFactory()
    user = UserFactory()
    client_id = uuid.uuid4()
    Visit.objects.create(
        case=case,
        project=case.project,
        village=case.household.cooperative.village,
        visited_on=date(2021, 4, 4),
        recorded_by=user,
        client_id=client_id,
    )
    assert refused(
        lambda: Visit.objects.create(
            case=case,
            project=case.project,
            village=case.household.cooperative.village,
            visited_on=date(2021, 4, 5),
            recorded_by=user,
            client_id=client_id,
        )
    )


def test_follow_up_cannot_precede_the_visit(db):
    case = CaseFactory()
    assert refused(
        lambda: Visit.objects.create(
            case=case,
            project=case.project,
            village=case.household.cooperative.village,
            visited_on=date(2021, 4, 4),
            next_follow_up_on=date(2021, 4, 3),
            recorded_by=UserFactory(),
        )
    )


def test_member_adulthood_is_counted_on_the_vote_date(db):
    from .factories import MemberFactory

    member = MemberFactory(birth_date=date(2003, 1, 16))
    assert member.is_adult_on(date(2021, 1, 16))
    assert not member.is_adult_on(date(2021, 1, 15))
    assert not MemberFactory(birth_date=None).is_adult_on(date(2021, 1, 16))
