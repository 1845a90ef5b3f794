import uuid
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import Case, Visit
from cases.services import case_complete, case_sign, visit_record

from .factories import CaseFactory


@pytest.fixture
def case(yannan_project, yannan_coop):
    from .factories import HouseholdFactory

    return CaseFactory(project=yannan_project, household=HouseholdFactory(cooperative=yannan_coop))


def test_logging_a_visit_updates_the_case(case, staff):
    visit, created = visit_record(
        case=case,
        recorded_by=staff,
        visited_on=date(2021, 4, 4),
        stance="opposed",
        concerns=["compensation"],
        next_follow_up_on=date(2021, 4, 20),
    )
    assert created
    case.refresh_from_db()
    assert case.status == Case.Status.OPPOSED
    assert case.stance == "opposed"
    assert case.visit_count == 1
    assert case.last_visit_on == date(2021, 4, 4)
    assert case.next_follow_up_on == date(2021, 4, 20)
    assert list(visit.visitors.all()) == [staff]


def test_the_latest_visit_sets_the_stance_even_if_logged_late(case, staff):
    visit_record(case=case, recorded_by=staff, visited_on=date(2021, 5, 1), stance="supportive")
    visit_record(case=case, recorded_by=staff, visited_on=date(2021, 4, 1), stance="opposed")
    case.refresh_from_db()
    assert case.stance == "supportive"
    assert case.visit_count == 2
    assert case.last_visit_on == date(2021, 5, 1)


def test_a_resent_form_stores_the_visit_once(case, staff):
    client_id = uuid.uuid4()
    first, created1 = visit_record(
        case=case, recorded_by=staff, visited_on=date(2021, 4, 4), client_id=client_id
    )
    again, created2 = visit_record(
        case=case, recorded_by=staff, visited_on=date(2021, 4, 4), client_id=client_id
    )
    assert (created1, created2) == (True, False)
    assert first.pk == again.pk
    assert Visit.objects.count() == 1
    case.refresh_from_db()
    assert case.visit_count == 1


def test_a_future_visit_and_a_follow_up_before_the_visit_are_refused(case, staff):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as err:
        visit_record(case=case, recorded_by=staff, visited_on=tomorrow)
    assert "future" in str(err.value)
    with pytest.raises(ValidationError) as err:
        visit_record(
            case=case,
            recorded_by=staff,
            visited_on=date(2021, 4, 4),
            next_follow_up_on=date(2021, 4, 1),
        )
    assert "follow-up" in str(err.value)
    assert not Visit.objects.exists()


def test_unknown_concerns_are_refused(case, staff):
    with pytest.raises(ValidationError):
        visit_record(case=case, recorded_by=staff, visited_on=date(2021, 4, 4), concerns=["x"])
    assert not Visit.objects.exists()


def test_a_signed_case_keeps_its_status_whatever_is_heard_later(case, staff):
    case_sign(case=case, signed_on=date(2021, 6, 1))
    visit_record(case=case, recorded_by=staff, visited_on=date(2021, 7, 1), stance="opposed")
    case.refresh_from_db()
    assert case.status == Case.Status.SIGNED
    assert case.stance == "opposed"


def test_a_completed_case_is_not_signed_again(case):
    case_sign(case=case, signed_on=date(2021, 1, 1))
    case_complete(case=case, completed_on=date(2021, 2, 1))
    with pytest.raises(ValidationError, match="completed case cannot be signed"):
        case_sign(case=case, signed_on=date(2021, 3, 1))
    case.refresh_from_db()
    assert (case.status, case.agreement_signed_on) == (Case.Status.COMPLETED, date(2021, 1, 1))


def test_only_a_signed_case_can_be_completed(case):
    with pytest.raises(ValidationError):
        case_complete(case=case, completed_on=date(2021, 8, 1))
    case_sign(case=case, signed_on=date(2021, 6, 1))
    done = case_complete(case=case, completed_on=date(2021, 8, 1))
    assert done.status == Case.Status.COMPLETED


def test_needs_attention_lists_under_visited_opposed_overdue_and_stale(case, staff):
    visit_record(
        case=case,
        recorded_by=staff,
        visited_on=date(2021, 4, 4),
        stance="opposed",
        next_follow_up_on=date(2021, 4, 10),
    )
    qs = Case.objects.all()
    assert case in qs.under_visited_opposed()
    assert case in qs.overdue(today=date(2021, 4, 11))
    assert case not in qs.overdue(today=date(2021, 4, 10))
    assert case in qs.needs_attention(today=date(2021, 4, 11))


def test_a_branch_credited_with_visits_cannot_be_deleted(case, staff):
    """Deleting the branch would take the credit away from its visits without a history row."""
    from django.db.models import ProtectedError

    from .factories import PartyBranchFactory

    branch = PartyBranchFactory()
    visit, _created = visit_record(
        case=case, recorded_by=staff, visited_on=date(2021, 4, 4), branch=branch
    )
    with pytest.raises(ProtectedError):
        branch.delete()
    visit.refresh_from_db()
    assert visit.branch_id == branch.pk
