"""The demo's votes: ballots entered from the sheet through the services, the votes of the
story certified, and the open vote dated from the day the demo is loaded."""

import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from .. import services, tallies, voting
from ..models import (
    Ballot,
    Cooperative,
    Member,
    Project,
    Vote,
    Voter,
)
from .people import (
    SEED,
    _evening,
    _name,
)


def _cast_ballots(rng, vote, *, choose, day_of, recorder_of):
    """Enter ballots from the sheet (``services.ballot_cast_many``), a sheet per day and
    recorder: voter ``i`` of the roll chooses ``choose(i)`` (``None``: has not voted), on
    ``day_of(i)``, recorded by ``recorder_of(method)``; then date each sheet to the evening
    of its day, history included."""
    voters = list(Voter.objects.filter(vote=vote).order_by("pk"))
    same_household = tallies.vote_rule(vote).proxy_same_household_only
    members: dict[int, list[Member]] = {}
    for m in Member.objects.filter(household__in={v.household_id for v in voters}):
        members.setdefault(m.household_id, []).append(m)
    sheets: dict[tuple, list[services.BallotEntry]] = {}
    for i, voter in enumerate(voters):
        choice = choose(i)
        if choice is None:
            continue
        method = rng.choice(["door_to_door", "door_to_door", "in_person", "proxy"])
        proxy_name, proxy_member = "", None
        if method == "proxy":
            # Drawn in every case, so that the random sequence does not depend on the rule; a
            # member assembly's proxy is a member of the voter's household.
            proxy_name = _name(rng, voter.name[0])
            if same_household:
                others = [
                    m
                    for m in members[voter.household_id]
                    if m.pk != voter.member_id and m.is_adult_on(vote.opens_on)
                ]
                if not others:
                    method, proxy_name = "door_to_door", ""
                else:
                    proxy_name, proxy_member = "", others[0].pk
        key = (day_of(i), recorder_of(method))
        sheets.setdefault(key, []).append(
            services.BallotEntry(voter.pk, choice, method, proxy_name, proxy_member)
        )
    history = Ballot.history.model.objects
    for (day, recorder), entries in sorted(sheets.items(), key=lambda item: item[0][0]):
        before = set(Ballot.objects.filter(vote=vote).values_list("pk", flat=True))
        sheet = services.ballot_cast_many(vote=vote, entries=entries, cast_on=day, user=recorder)
        assert not sheet.errors, sheet.errors
        saved = Ballot.objects.filter(vote=vote).exclude(pk__in=before)
        saved.update(recorded_at=_evening(day))
        history.filter(id__in=saved.values("pk")).update(history_date=_evening(day))


def _date_vote(vote, *, certified: bool):
    """Date the set-up, opening, closing and certification back to the vote's own days (the
    services stamp them now): set up the day before it opens, opened at 9:00 on its first day,
    closed at 18:00 on its last, certified the day after."""
    tz = timezone.get_current_timezone()
    opened_at = datetime.combine(vote.opens_on, time(9), tz)
    closed_at = datetime.combine(vote.closes_on, time(18), tz)
    stamps = {
        "opened_at": opened_at,
        "closed_at": closed_at if certified else None,
        "certified_at": closed_at + timedelta(days=1) if certified else None,
    }
    Vote.objects.filter(pk=vote.pk).update(**stamps)
    history = Vote.history.model.objects.filter(id=vote.pk).order_by("history_id")
    when = [opened_at - timedelta(hours=16), opened_at]
    when += [stamps["closed_at"], stamps["certified_at"]] if certified else []
    for row, at in zip(history, when, strict=False):
        history.filter(history_id=row.history_id).update(history_date=at)


def _certified_vote(ctx, workers, *, choose, days, **fields):
    """A vote of the story as it went: set up and opened by ``workers[0]`` (the services
    freeze its roll), the ballots entered from the sheet by the same over its first ``days``
    days — voter ``i`` of the roll chose ``choose(i)``, ``None`` for not voted —, closed, and
    certified by ``workers[1]``; then the steps dated back to the story's days."""
    vote = services.vote_create(user=workers[0], **fields)
    vote = services.vote_open(vote=vote, user=workers[0])
    _cast_ballots(
        ctx.rng,
        vote,
        choose=choose,
        day_of=lambda i: vote.opens_on + timedelta(days=i % days),
        recorder_of=lambda _method: workers[0],
    )
    services.vote_close(vote=vote, user=workers[0])
    services.vote_certify(vote=vote, user=workers[1])
    _date_vote(vote, certified=True)
    return vote


def _in_order(choices: list[str]):
    """``choose`` for ``_certified_vote``: the roll's first voters chose ``choices``, in
    order; the rest did not vote."""
    return lambda i: choices[i] if i < len(choices) else None


#: The open vote (invented), whose dates follow the day the demo is loaded.
OPEN_VOTE_SUBJECT = "东头经济社土地补偿费留存部分分配方案（演示数据）"
OPEN_VOTE_OPENED_DAYS_AGO = 3
OPEN_VOTE_CLOSES_IN_DAYS = 4
#: The share of the roll whose ballots are recorded before the demo is loaded.
OPEN_VOTE_CAST = 0.55


def open_vote(*, today: date, opener, recorder) -> Vote | None:
    """The demo's open vote, so that a cadre of 烟南村 finds a live tally, names still to vote
    and a ballot sheet that takes today's ballots: 东头经济社's collective members' assembly on
    the part of the 2021 acquisition's land compensation the cooperative kept (invented),
    opened ``OPEN_VOTE_OPENED_DAYS_AGO`` days before ``today`` by ``opener``, closing
    ``OPEN_VOTE_CLOSES_IN_DAYS`` days after, its roll frozen on opening, and about
    ``OPEN_VOTE_CAST`` of the ballots recorded on the days before today: door to door and by
    written proxy (a member of the voter's household) by ``recorder``, in person at the
    cooperative's office by a village worker. Everything goes through the services, as a cadre
    would; only the timestamps are dated back. Added once: ``None`` when it is there already.
    """
    if Vote.objects.filter(subject=OPEN_VOTE_SUBJECT).exists():
        return None
    rng = random.Random(SEED + 1)
    coop = Cooperative.objects.get(name="东头经济社", village__name="烟南村")
    opens_on = today - timedelta(days=OPEN_VOTE_OPENED_DAYS_AGO)
    vote = services.vote_create(
        user=opener,
        project=Project.objects.get(name="临港国际产业社区（烟南片区）土地征收"),
        subject=OPEN_VOTE_SUBJECT,
        subject_kind=voting.LAND_COMPENSATION_DISTRIBUTION,
        village=coop.village,
        cooperative=coop,
        rule_code=Vote.Rule.MEMBER_ASSEMBLY,
        basis=Vote.Basis.MEMBER,
        opens_on=opens_on,
        closes_on=today + timedelta(days=OPEN_VOTE_CLOSES_IN_DAYS),
    )
    vote = services.vote_open(vote=vote, user=opener)
    worker = get_user_model().objects.get(username="yn01")
    choices = {}
    for i in range(vote.voters.count()):
        if rng.random() < OPEN_VOTE_CAST:
            choices[i] = rng.choices(["for", "against", "abstain"], weights=[86, 10, 4])[0]
    _cast_ballots(
        rng,
        vote,
        choose=choices.get,
        day_of=lambda i: opens_on + timedelta(days=i % OPEN_VOTE_OPENED_DAYS_AGO),
        recorder_of=lambda method: worker if method == "in_person" else recorder,
    )
    _date_vote(vote, certified=False)
    return vote
