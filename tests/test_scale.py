"""The synthetic district is as consistent as data logged through the app."""

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from cases.models import Ballot, Case, Household, Member, Project, Visit, Voter
from cases.services.integrity import figures_check


@pytest.fixture
def district(db):
    call_command("seed_scale", households=620, visits_per_household=3, verbosity=0)


def test_seed_scale_writes_a_consistent_district(district):
    assert Household.objects.count() == 620
    assert Member.objects.count() == 3 * 620
    assert Case.objects.count() == 620  # one case per household
    assert Visit.objects.exists()
    # Each case's figures are those its visits give (``case_refresh_visits``'s rule), and each
    # visit carries its case's project and its household's village: every case checked.
    report = figures_check()
    assert (report.cases, report.visits, report.drifts) == (620, Visit.objects.count(), [])
    assert not Case.objects.filter(status="signed", agreement_signed_on__isnull=True).exists()


def test_the_seed_writes_no_history_of_its_visits_or_their_visitors(district):
    """A seed is not an edit (``cases.scale``)."""
    assert Visit.visitors.through.objects.exists()
    assert not Visit.history.exists()
    assert not Visit.history.model.visitors.model.objects.exists()


def test_the_first_project_is_the_largest_and_votes_have_rolls(district):
    largest = Project.objects.annotate(n=Count("cases")).order_by("-n").first()
    assert largest.name.startswith("合成项目001")
    assert Voter.objects.exists()
    assert Ballot.objects.count() <= Voter.objects.count()
    assert not Ballot.objects.values("voter").annotate(n=Count("pk")).filter(n__gt=1).exists()


def test_seeding_twice_is_refused_with_a_clear_message(district):
    with pytest.raises(CommandError, match="exists already"):
        call_command("seed_scale", households=10, verbosity=0)
