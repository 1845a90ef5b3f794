"""Votes: set-up, the frozen roll, ballots, corrections, closing and certification.

The rules kept here (DESIGN.md, "Vote"): the roll is frozen when a vote opens; one ballot per
voter per vote, also when two cadres save the same voter at the same moment (the database
constraint ``ballot_one_per_voter`` decides, and the loser gets a clear message); a closed
vote takes no ballots and no corrections; a certified result is final and certified by
someone other than the person who opened the vote. Every write locks the vote row first, so
that closing and casting never interleave.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from .. import tallies, voting
from ..models import Ballot, Household, Meeting, Member, Project, Vote, Voter
from ..templatetags.landreform import person
from ..wording import join_list

#: Rules whose roll is the representatives, not every member (the roll's ``basis`` is member).
_REPRESENTATIVES_ONLY = {
    voting.REPRESENTATIVES_MEETING: "is_villager_representative",
    voting.MEMBER_REPRESENTATIVES: "is_member_representative",
}
#: Rules held one person one vote: a per-household roll would be wrong.
_ONE_PERSON_ONE_VOTE = {
    voting.REPRESENTATIVES_MEETING,
    voting.MEMBER_ASSEMBLY,
    voting.MEMBER_REPRESENTATIVES,
}
#: Rules whose quorum counts villagers aged 18 and over (十八周岁以上的村民, 《村民委员会组织法》
#: 第二十二、二十八条): a per-member roll of theirs keeps the adults only, or minors would be
#: counted as eligible and present (``Voter.is_adult`` is recorded but not tallied apart).
_ADULTS_ONLY = {voting.VILLAGERS_MEETING, voting.GROUP_MEETING}
_CUSTOM_FIELDS = [
    "custom_quorum_num",
    "custom_quorum_den",
    "custom_approval_num",
    "custom_approval_den",
]


# --- Set-up --------------------------------------------------------------------------------


def _custom_rule_errors(vote: Vote) -> dict[str, str]:
    errors = {}
    approval = (vote.custom_approval_num, vote.custom_approval_den)
    if None in approval or not 0 < approval[0] <= approval[1]:
        errors["custom_approval_num"] = _(
            "A custom rule needs its approval threshold as a fraction between 0 and 1, e.g. 2 / 3."
        )
    quorum = (vote.custom_quorum_num, vote.custom_quorum_den)
    if quorum.count(None) == 1 or (None not in quorum and not 0 < quorum[0] <= quorum[1]):
        errors["custom_quorum_num"] = _(
            "Give the custom quorum as a fraction between 0 and 1, or leave both numbers empty "
            "for no quorum."
        )
    if vote.custom_approval_denominator not in Vote.ApprovalDenominator.values:
        errors["custom_approval_denominator"] = _(
            "Say whether approval counts against those present or all eligible voters."
        )
    if not vote.custom_citation.strip():
        errors["custom_citation"] = _("Record the basis of the custom rule (who set it, when).")
    if not errors:
        try:  # the rules engine has the last word
            tallies.vote_rule(vote)
        except (TypeError, ValueError) as exc:
            errors["custom_approval_num"] = str(exc)
    return errors


def vote_check(vote: Vote) -> None:
    """Every rule a vote's set-up keeps; raises one ValidationError naming each bad field
    (also the admin's vote form, before it saves: ``VoteAdminForm``)."""
    errors: dict[str, str] = {}
    if not vote.subject.strip():
        errors["subject"] = _("Give the subject of the vote.")
    if vote.cooperative_id and vote.cooperative.village_id != vote.village_id:
        errors["cooperative"] = _("The cooperative %(coop)s does not belong to %(village)s.") % {
            "coop": vote.cooperative.name,
            "village": vote.village.name,
        }
    if vote.project_id and not vote.project.villages.filter(pk=vote.village_id).exists():
        errors["project"] = _("The project does not cover %(village)s.") % {
            "village": vote.village.name
        }
    if vote.meeting_id and vote.meeting.project_id != vote.project_id:
        errors["meeting"] = _("The meeting belongs to another project.")
    if vote.subject_kind not in dict(voting.SUBJECT_KINDS):
        errors["subject_kind"] = _("Choose the kind of subject.")
    if vote.basis not in Vote.Basis.values:
        errors["basis"] = _("Choose one vote per household or one vote per member.")
    if vote.rule_code not in Vote.Rule.values:
        errors["rule_code"] = _("Choose the rule of the vote.")
    elif vote.rule_code == voting.CUSTOM:
        errors.update(_custom_rule_errors(vote))
    else:
        if vote.rule_code in _ONE_PERSON_ONE_VOTE and vote.basis == Vote.Basis.HOUSEHOLD:
            errors["basis"] = _(
                "A %(rule)s votes one person one vote: choose one vote per member."
            ) % {"rule": voting.get_rule(vote.rule_code).label}
        if vote.opens_on and (error := voting.not_in_force_error(vote.rule_code, vote.opens_on)):
            errors["rule_code"] = error
    if vote.rule_code in _ADULTS_ONLY and vote.basis == Vote.Basis.MEMBER and not vote.only_adults:
        errors["only_adults"] = _(
            "A %(rule)s counts villagers aged 18 and over (%(citation)s): keep adults only."
        ) % {
            "rule": voting.get_rule(vote.rule_code).label,
            "citation": voting.get_rule(vote.rule_code).citation,
        }
    if vote.opens_on and vote.closes_on and vote.closes_on < vote.opens_on:
        errors["closes_on"] = _("The vote cannot close before it opens.")
    if errors:
        raise ValidationError(errors)
    if vote.rule_code != voting.CUSTOM:
        for name in _CUSTOM_FIELDS:
            setattr(vote, name, None)
        vote.custom_approval_denominator = vote.custom_citation = ""


@transaction.atomic
def vote_create(
    *,
    subject: str,
    village,
    rule_code: str,
    basis: str,
    opens_on: date,
    closes_on: date,
    user: AbstractBaseUser,
    project: Project | None = None,
    cooperative=None,
    meeting: Meeting | None = None,
    subject_kind: str = voting.GENERAL,
    only_collective_members: bool = True,
    only_shareholders: bool = False,
    only_adults: bool = True,
    custom_quorum_num: int | None = None,
    custom_quorum_den: int | None = None,
    custom_quorum_inclusive: bool = True,
    custom_approval_num: int | None = None,
    custom_approval_den: int | None = None,
    custom_approval_inclusive: bool = False,
    custom_approval_denominator: str = "",
    custom_citation: str = "",
) -> Vote:
    """A draft vote; its roll is frozen later, by ``vote_open``."""
    vote = Vote(
        subject=subject,
        subject_kind=subject_kind,
        project=project,
        village=village,
        cooperative=cooperative,
        meeting=meeting,
        rule_code=rule_code,
        basis=basis,
        only_collective_members=only_collective_members,
        only_shareholders=only_shareholders,
        only_adults=only_adults,
        opens_on=opens_on,
        closes_on=closes_on,
        custom_quorum_num=custom_quorum_num,
        custom_quorum_den=custom_quorum_den,
        custom_quorum_inclusive=custom_quorum_inclusive,
        custom_approval_num=custom_approval_num,
        custom_approval_den=custom_approval_den,
        custom_approval_inclusive=custom_approval_inclusive,
        custom_approval_denominator=custom_approval_denominator,
        custom_citation=custom_citation,
    )
    return vote_update(vote=vote, user=user)


@transaction.atomic
def vote_update(*, vote: Vote, user: AbstractBaseUser) -> Vote:
    """Save a draft vote's set-up (new or changed); an opened vote's set-up is frozen."""
    if vote.pk is not None:
        stored = Vote.objects.select_for_update().get(pk=vote.pk)
        if stored.status != Vote.Status.DRAFT:
            raise ValidationError(
                _("The set-up of a vote that is %(status)s cannot change.")
                % {"status": stored.get_status_display()}
            )
    vote_check(vote)
    vote.status = Vote.Status.DRAFT
    vote._history_user = user
    vote.save()
    return vote


def _roll(vote: Vote) -> list[Voter]:
    """The voters of the electorate on ``opens_on``: households, or members by the filters."""
    households = Household.objects.filter(cooperative__village=vote.village_id)
    if vote.cooperative_id:
        households = Household.objects.filter(cooperative=vote.cooperative_id)
    if vote.basis == Vote.Basis.HOUSEHOLD:
        return [
            Voter(vote=vote, household=hh, name=hh.head_name, is_adult=True)
            for hh in households.order_by("cooperative__name", "number")
        ]
    members = Member.objects.filter(household__in=households)
    if vote.only_collective_members:
        members = members.filter(is_collective_member=True)
    if vote.only_shareholders:
        members = members.filter(is_shareholder=True)
    if vote.rule_code in _REPRESENTATIVES_ONLY:
        members = members.filter(**{_REPRESENTATIVES_ONLY[vote.rule_code]: True})
    if vote.only_adults:
        members = members.adults_on(vote.opens_on)
    members = members.order_by("household__cooperative__name", "household__number", "pk")
    return [
        Voter(
            vote=vote,
            household_id=m.household_id,
            member=m,
            name=m.name,
            is_adult=m.is_adult_on(vote.opens_on),
        )
        for m in members
    ]


def _locked(vote: Vote) -> Vote:
    locked = Vote.objects.select_for_update(of=("self",))
    return locked.select_related("village", "cooperative").get(pk=vote.pk)


def _refuse_unless(vote: Vote, status: str, message: str) -> None:
    if vote.status != status:
        raise ValidationError(message % {"status": vote.get_status_display()})


@transaction.atomic
def vote_open(*, vote: Vote, user: AbstractBaseUser) -> Vote:
    """Open a draft vote and freeze its roll from the electorate (one bulk insert)."""
    vote = _locked(vote)
    _refuse_unless(
        vote, Vote.Status.DRAFT, _("Only a draft vote can be opened; this one is %(status)s.")
    )
    voters = _roll(vote)
    if not voters:
        raise ValidationError(
            _("No one in %(electorate)s is eligible under these settings: the roll would be empty.")
            % {"electorate": vote.electorate}
        )
    Voter.objects.bulk_create(voters)
    vote.status = Vote.Status.OPEN
    vote.opened_by = user
    vote.opened_at = timezone.now()
    vote._history_user = user
    vote.save(update_fields=["status", "opened_by", "opened_at"])
    return vote


@transaction.atomic
def vote_close(*, vote: Vote, user: AbstractBaseUser) -> Vote:
    """Close an open vote: from now on it takes no ballots and no corrections."""
    vote = _locked(vote)
    _refuse_unless(
        vote, Vote.Status.OPEN, _("Only an open vote can be closed; this one is %(status)s.")
    )
    vote.status = Vote.Status.CLOSED
    vote.closed_at = timezone.now()
    vote._history_user = user
    vote.save(update_fields=["status", "closed_at"])
    return vote


@transaction.atomic
def vote_certify(*, vote: Vote, user: AbstractBaseUser) -> Vote:
    """Certify a closed vote, freezing its result (counts and outcome) for good."""
    vote = _locked(vote)
    _refuse_unless(
        vote, Vote.Status.CLOSED, _("Only a closed vote can be certified; this one is %(status)s.")
    )
    if vote.opened_by_id == user.pk:
        raise ValidationError(
            _("The person who opened a vote cannot certify it; ask a colleague to certify it.")
        )
    vote.result = tallies.result_snapshot(vote, tallies.vote_counts([vote.pk])[vote.pk])
    vote.status = Vote.Status.CERTIFIED
    vote.certified_by = user
    vote.certified_at = timezone.now()
    vote._history_user = user
    vote.save(update_fields=["status", "result", "certified_by", "certified_at"])
    return vote


# --- Ballots ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BallotEntry:
    """One filled-in row of the ballot sheet."""

    voter_id: int
    choice: str
    method: str = Ballot.Method.IN_PERSON
    proxy_name: str = ""
    proxy_member_id: int | None = None


@dataclass
class SheetResult:
    """What a sheet saved, and the refused rows with their reasons (by voter id)."""

    saved: list[Ballot] = field(default_factory=list)
    errors: dict[int, list[str]] = field(default_factory=dict)


def _require_open(vote: Vote) -> None:
    _refuse_unless(
        vote,
        Vote.Status.OPEN,
        _("This vote is %(status)s: it takes no ballots and no corrections."),
    )


def _cast_on_error(vote: Vote, cast_on: date | None) -> str | None:
    if cast_on is None:
        return _("Give the date the ballot was cast.")
    if cast_on > timezone.localdate():
        return _("The ballot date cannot be in the future.")
    if not vote.opens_on <= cast_on <= vote.closes_on:
        return _("The ballot date must lie between %(opens)s and %(closes)s, the vote's dates.") % {
            "opens": vote.opens_on,
            "closes": vote.closes_on,
        }
    return None


def _entry(
    vote: Vote,
    rule: voting.Rule,
    voter: Voter,
    entry: BallotEntry,
    members_of: Callable[[int], list[Member]],
) -> tuple[list[str], str, Member | None]:
    """Check one ballot's content: ``(errors, proxy name to store, proxy member)``."""
    errors = []
    if entry.choice not in Ballot.Choice.values:
        errors.append(_("Choose for, against or abstain."))
    if entry.method not in Ballot.Method.values:
        errors.append(_("Say how the ballot was cast."))
    proxy_name, proxy_member = entry.proxy_name.strip(), None
    if entry.method != Ballot.Method.PROXY:
        if proxy_name or entry.proxy_member_id:
            errors.append(_("A proxy is named only for a ballot cast by written proxy."))
        return errors, "", None
    household = [m for m in members_of(voter.household_id) if m.pk != voter.member_id]
    if entry.proxy_member_id:
        proxy_member = next((m for m in household if m.pk == entry.proxy_member_id), None)
    elif proxy_name and rule.proxy_same_household_only:
        same_name = [m for m in household if m.name == proxy_name]
        proxy_member = same_name[0] if len(same_name) == 1 else None
    if rule.proxy_same_household_only and proxy_member is None:
        errors.append(
            _(
                "Under a %(rule)s a proxy must be a member of the voter's own household "
                "(%(citation)s): choose one of %(names)s."
            )
            % {
                "rule": rule.label,
                "citation": rule.citation,
                "names": join_list(m.name for m in household) or _("(no other member)"),
            }
        )
    elif entry.proxy_member_id and proxy_member is None:
        errors.append(_("The proxy chosen is not a member of the voter's household."))
    elif proxy_member is not None:
        proxy_name = proxy_member.name
    elif not proxy_name:
        errors.append(_("A ballot by written proxy needs the proxy's name."))
    return errors, proxy_name, proxy_member


def ballot_check(
    *,
    vote: Vote,
    voter: Voter,
    choice: str,
    method: str,
    proxy_name: str = "",
    proxy_member: Member | None = None,
) -> tuple[str, Member | None]:
    """Refuse (ValidationError) a ballot's content that the vote does not allow; returns the
    proxy's name and household member to store. Used by casting, correcting and the admin."""
    _require_open(vote)
    entry = BallotEntry(
        voter.pk, choice, method, proxy_name, proxy_member.pk if proxy_member else None
    )
    errors, proxy_name, proxy_member = _entry(
        vote,
        tallies.vote_rule(vote),
        voter,
        entry,
        lambda household_id: list(Member.objects.filter(household_id=household_id)),
    )
    if errors:
        raise ValidationError(errors)
    return proxy_name, proxy_member


def _already_voted(voter: Voter, ballot: Ballot) -> str:
    return _(
        "%(name)s has already voted (%(choice)s, recorded by %(user)s on %(date)s); "
        "correct that ballot instead of casting another."
    ) % {
        "name": voter.name,
        "choice": ballot.get_choice_display(),
        "user": person(ballot.recorded_by),
        "date": timezone.localtime(ballot.recorded_at).strftime("%Y-%m-%d %H:%M"),
    }


def _existing(vote: Vote, voter_ids: Iterable[int]) -> dict[int, Ballot]:
    ballots = Ballot.objects.filter(vote=vote, voter_id__in=list(voter_ids))
    return {b.voter_id: b for b in ballots.select_related("recorded_by")}


@transaction.atomic
def ballot_cast(
    *,
    vote: Vote,
    voter: Voter,
    choice: str,
    cast_on: date,
    user: AbstractBaseUser,
    method: str = Ballot.Method.IN_PERSON,
    proxy_name: str = "",
    proxy_member: Member | None = None,
) -> Ballot:
    """Record one voter's ballot. Refused (ValidationError, nothing written) when the vote is
    not open, the voter is not on its roll or has voted already, or the proxy is not allowed."""
    vote = _locked(vote)
    _require_open(vote)
    if voter.vote_id != vote.pk:
        raise ValidationError(_("%(name)s is not on this vote's roll.") % {"name": voter.name})
    error = _cast_on_error(vote, cast_on)
    if error:
        raise ValidationError({"cast_on": error})
    proxy_name, proxy_member = ballot_check(
        vote=vote,
        voter=voter,
        choice=choice,
        method=method,
        proxy_name=proxy_name,
        proxy_member=proxy_member,
    )
    ballot = Ballot(
        vote=vote,
        voter=voter,
        choice=choice,
        method=method,
        proxy_name=proxy_name,
        proxy_member=proxy_member,
        cast_on=cast_on,
        recorded_by=user,
    )
    ballot._history_user = user
    try:
        with transaction.atomic():
            ballot.save()
    except IntegrityError:
        # Another cadre saved this voter's ballot at the same moment: the constraint decided.
        existing = _existing(vote, [voter.pk]).get(voter.pk)
        if existing is None:
            raise
        raise ValidationError(_already_voted(voter, existing)) from None
    return ballot


@transaction.atomic
def ballot_cast_many(
    *, vote: Vote, entries: list[BallotEntry], cast_on: date, user: AbstractBaseUser
) -> SheetResult:
    """Record the filled-in rows of the ballot sheet in a constant number of queries.

    Good rows are saved, refused rows come back with their reasons (already voted, not on the
    roll, proxy rules). A refusal of the whole sheet (vote not open, bad date) writes nothing.
    """
    vote = _locked(vote)
    _require_open(vote)
    error = _cast_on_error(vote, cast_on)
    if error:
        raise ValidationError({"cast_on": error})
    rule = tallies.vote_rule(vote)
    ids = [e.voter_id for e in entries]
    voters = {v.pk: v for v in Voter.objects.filter(vote=vote, pk__in=ids)}
    proxied = {voters[e.voter_id].household_id for e in entries if e.voter_id in voters}
    members: dict[int, list[Member]] = {}
    if any(e.method == Ballot.Method.PROXY for e in entries):
        for m in Member.objects.filter(household_id__in=proxied):
            members.setdefault(m.household_id, []).append(m)

    def attempt(existing: dict[int, Ballot]) -> SheetResult:
        result = SheetResult()
        seen = set()
        for e in entries:
            voter = voters.get(e.voter_id)
            if voter is None:
                result.errors[e.voter_id] = [_("This voter is not on this vote's roll.")]
                continue
            if e.voter_id in existing:
                result.errors[e.voter_id] = [_already_voted(voter, existing[e.voter_id])]
                continue
            if e.voter_id in seen:
                result.errors[e.voter_id] = [_("This voter appears twice on the sheet.")]
                continue
            seen.add(e.voter_id)
            errors, proxy_name, proxy_member = _entry(
                vote, rule, voter, e, lambda hid: members.get(hid, [])
            )
            if errors:
                result.errors[e.voter_id] = errors
                continue
            result.saved.append(
                Ballot(
                    vote=vote,
                    voter=voter,
                    choice=e.choice,
                    method=e.method,
                    proxy_name=proxy_name,
                    proxy_member=proxy_member,
                    cast_on=cast_on,
                    recorded_by=user,
                )
            )
        return result

    result = attempt(_existing(vote, ids))
    try:
        with transaction.atomic():
            bulk_create_with_history(result.saved, Ballot, default_user=user)
    except IntegrityError:
        # A ballot of this sheet was stored meanwhile by someone else: re-check and save the rest.
        result = attempt(_existing(vote, ids))
        bulk_create_with_history(result.saved, Ballot, default_user=user)
    return result


@transaction.atomic
def ballot_correct(
    *,
    ballot: Ballot,
    choice: str,
    user: AbstractBaseUser,
    reason: str,
    method: str = Ballot.Method.IN_PERSON,
    proxy_name: str = "",
    proxy_member: Member | None = None,
) -> Ballot:
    """Correct a ballot while its vote is open; the history keeps who, when, old, new and why."""
    vote = _locked(ballot.vote)
    _require_open(vote)
    ballot = (
        Ballot.objects.select_for_update(of=("self",)).select_related("voter").get(pk=ballot.pk)
    )
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    proxy_name, proxy_member = ballot_check(
        vote=vote,
        voter=ballot.voter,
        choice=choice,
        method=method,
        proxy_name=proxy_name,
        proxy_member=proxy_member,
    )
    new = (choice, method, proxy_name, proxy_member.pk if proxy_member else None)
    if new == (ballot.choice, ballot.method, ballot.proxy_name, ballot.proxy_member_id):
        raise ValidationError(_("Nothing to correct: the ballot already says this."))
    ballot.choice, ballot.method, ballot.proxy_name, ballot.proxy_member = (
        choice,
        method,
        proxy_name,
        proxy_member,
    )
    ballot._history_user = user
    ballot._change_reason = reason.strip()
    ballot.save(update_fields=["choice", "method", "proxy_name", "proxy_member"])
    return ballot
