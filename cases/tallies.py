"""Tallies of stored votes: the counts come from the roll and the ballots, the arithmetic from
``cases.voting.tally`` (the one function every page and export uses for a result).

A certified vote is tallied from the result frozen at certification, so its notice never
changes even if someone edits rows behind the application's back.
"""

from collections.abc import Iterable

from django.db.models import Count, Q

from . import voting
from .models import Ballot, Cooperative, Vote, Voter


def vote_rule(vote: Vote) -> voting.Rule:
    """The vote's rule: a preset, or the custom numbers stored on the vote.

    A per-household vote under 村民会议 / 村民小组会议 reaches its quorum by households only
    (``voting.for_household_vote``).
    """
    if vote.rule_code == voting.CUSTOM:
        rule = voting.custom_rule(
            quorum_num=vote.custom_quorum_num,
            quorum_den=vote.custom_quorum_den,
            quorum_inclusive=vote.custom_quorum_inclusive,
            approval_num=vote.custom_approval_num,
            approval_den=vote.custom_approval_den,
            approval_inclusive=vote.custom_approval_inclusive,
            approval_denominator=vote.custom_approval_denominator,
            citation=vote.custom_citation,
        )
    else:
        rule = voting.get_rule(vote.rule_code)
    if vote.basis == Vote.Basis.HOUSEHOLD:
        rule = voting.for_household_vote(rule)
    return rule


def _empty_counts() -> dict[str, int]:
    return {
        "eligible": 0,
        "eligible_households": 0,
        "present": 0,
        "for": 0,
        "against": 0,
        "abstain": 0,
        "present_households": 0,
    }


def _grouped_counts(voters, ballots, voter_key: str, ballot_key: str) -> dict:
    """Roll and ballot counts grouped by a key, in two queries."""
    counts: dict = {}
    roll = (
        voters.values(voter_key)
        .annotate(n=Count("pk"), households=Count("household_id", distinct=True))
        .order_by()
    )
    for row in roll:
        counts.setdefault(row[voter_key], _empty_counts()).update(
            eligible=row["n"], eligible_households=row["households"]
        )
    cast = (
        ballots.values(ballot_key)
        .annotate(
            n=Count("pk"),
            f=Count("pk", filter=Q(choice=Ballot.Choice.FOR)),
            a=Count("pk", filter=Q(choice=Ballot.Choice.AGAINST)),
            ab=Count("pk", filter=Q(choice=Ballot.Choice.ABSTAIN)),
            households=Count("voter__household_id", distinct=True),
        )
        .order_by()
    )
    for row in cast:
        counts.setdefault(row[ballot_key], _empty_counts()).update(
            present=row["n"],
            present_households=row["households"],
            **{"for": row["f"], "against": row["a"], "abstain": row["ab"]},
        )
    return counts


def vote_counts(vote_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Roll and ballot counts per vote, in two queries whatever the number of votes."""
    vote_ids = list(vote_ids)
    found = _grouped_counts(
        Voter.objects.filter(vote_id__in=vote_ids),
        Ballot.objects.filter(vote_id__in=vote_ids),
        "vote_id",
        "vote_id",
    )
    return {pk: found.get(pk, _empty_counts()) for pk in vote_ids}


def cooperative_breakdown(vote: Vote) -> list[tuple[Cooperative, voting.Tally]]:
    """Each cooperative's part of a vote (live counts, three queries), tallied under the vote's
    rule so that turnout and approval come from ``voting.tally``; the vote's own result is
    the whole electorate's, never a cooperative's."""
    found = _grouped_counts(
        Voter.objects.filter(vote=vote),
        Ballot.objects.filter(vote=vote),
        "household__cooperative_id",
        "voter__household__cooperative_id",
    )
    coops = Cooperative.objects.filter(pk__in=found).select_related("village").order_by("name")
    return [(coop, _tally(vote, found[coop.pk])) for coop in coops]


def _tally(vote: Vote, c: dict) -> voting.Tally:
    per_member = vote.basis == Vote.Basis.MEMBER
    return voting.tally(
        vote_rule(vote),
        eligible=c["eligible"],
        present=c["present"],
        votes_for=c["for"],
        votes_against=c["against"],
        abstain=c["abstain"],
        eligible_households=c.get("eligible_households") if per_member else None,
        present_households=c.get("present_households") if per_member else None,
    )


def result_snapshot(vote: Vote, counts: dict[str, int]) -> dict:
    """What is frozen on certification: the counts and the outcome under the rule."""
    t = _tally(vote, counts)
    return {
        **counts,
        "quorum_met": t.quorum_met,
        "passed": t.passed,
        "approval": f"{t.approval.numerator}/{t.approval.denominator}",
    }


def tallies_for(votes: Iterable[Vote]) -> dict[int, voting.Tally]:
    """Tally of each vote, keyed by pk; certified votes from their frozen result."""
    votes = list(votes)
    live = vote_counts(v.pk for v in votes if not (v.status == Vote.Status.CERTIFIED and v.result))
    return {v.pk: _tally(v, live.get(v.pk, v.result)) for v in votes}


def vote_tally(vote: Vote) -> voting.Tally:
    return tallies_for([vote])[vote.pk]
