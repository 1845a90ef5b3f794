"""Vote pages: list, set-up, live tally, ballot sheet, corrections, result notice; meetings.

Every read goes through ``visible_to(request.user)`` / ``get_for_user`` (404 outside the
user's villages); every write through ``cases.services``; every number through
``cases.tallies`` / ``cases.voting``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import services, tallies, voting
from ..access import get_for_user
from ..filters import VoteListFilter
from ..forms import BallotCorrectionForm, MeetingForm, SheetForm, VoteForm
from ..models import Ballot, Meeting, Member, Project, Vote, Voter
from .casework import filtered_list

#: Width of the approval bar's SVG viewBox.
BAR_WIDTH = 1000


def _vote_for(user, pk) -> Vote:
    return get_for_user(
        Vote.objects.select_related(
            "village",
            "cooperative__village",
            "project",
            "meeting",
            "opened_by",
            "certified_by",
        ),
        user,
        pk=pk,
    )


def _bound_words(bound: voting.Bound, of: str) -> str:
    words = (
        _("at least %(fraction)s of %(of)s")
        if bound.inclusive
        else _("more than %(fraction)s of %(of)s")
    )
    return words % {"fraction": bound.fraction, "of": of}


def rule_summary(rule: voting.Rule) -> dict:
    """The rule in words for set-up pages and notices: quorum alternatives and threshold."""
    bases = {voting.VOTERS: _("the voters"), voting.HOUSEHOLDS: _("the households")}
    quorum = [_bound_words(o.bound, bases[o.basis]) for o in rule.quorum]
    of = _("those present") if rule.approval_denominator == voting.PRESENT else _("all eligible")
    return {
        "code": rule.code,
        "label": rule.label,
        # Chinese pages cite the Chinese text; English ones keep it beside the English name,
        # as the ballot sheet does: only the Chinese text of a law is authoritative.
        "citation": str(rule.citation),
        "in_force": rule.citation.in_force,
        "quorum": _(" or ").join(quorum) if quorum else _("none"),
        "approval": _bound_words(rule.approval, of),
    }


def _bar(tally: voting.Tally) -> dict:
    """Coordinates of the approval bar: segments against the rule's denominator, threshold."""
    total = tally.present if tally.rule.approval_denominator == voting.PRESENT else tally.eligible
    segments, x = [], 0
    for css, count in (
        ("for", tally.votes_for),
        ("against", tally.votes_against),
        ("abstain", tally.abstain),
    ):
        width = count * BAR_WIDTH // total if total else 0
        segments.append({"css": css, "x": x, "width": width})
        x += width
    threshold = tally.threshold.numerator * BAR_WIDTH // tally.threshold.denominator
    return {"width": BAR_WIDTH, "segments": segments, "threshold": threshold}


def _warnings(vote: Vote) -> list[str]:
    """The subject's legal objections, and a citation not in force when the vote opened (a
    vote stored before ``services.vote_check`` refused that, or loaded from elsewhere)."""
    rule = tallies.vote_rule(vote)
    found = voting.subject_warnings(rule, vote.subject_kind)
    if error := voting.not_in_force_error(rule, vote.opens_on):
        found.append(error)
    return found


@login_required
@require_GET
def vote_list(request):
    """The votes the user may see, newest first, filtered (``VoteListFilter``: project,
    village, cooperative, status, subject) and 50 a page, each with its tally: the page's
    tallies are read at once (``tallies.tallies_for``), so the page costs the same queries
    whatever the number of votes (a district has hundreds)."""
    votes = Vote.objects.visible_to(request.user).select_related(
        "village", "cooperative__village", "project"
    )

    def rows(page) -> dict:
        results = tallies.tallies_for(page.object_list)
        return {
            "rows": [(v, results[v.pk]) for v in page.object_list],
            "projects": Project.objects.visible_to(request.user).order_by("-started_on", "name"),
        }

    return filtered_list(
        request, VoteListFilter, votes, "-opens_on", "cases/votes/list.html", extra_for_page=rows
    )


@login_required
@permission_required("cases.add_vote", raise_exception=True)
@require_http_methods(["GET", "POST"])
def vote_new(request):
    form = VoteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            vote = services.vote_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The vote is set up. Open it to freeze its roll."))
            return redirect("vote_detail", pk=vote.pk)
    rules = [rule_summary(rule) for rule in voting.RULES.values()]
    warnings = [
        {"rule": code, "subject": subject, "text": text}
        for code in voting.RULES
        for subject, _label in voting.SUBJECT_KINDS
        for text in voting.subject_warnings(code, subject)
    ]
    return render(
        request, "cases/votes/form.html", {"form": form, "rules": rules, "warnings": warnings}
    )


@login_required
@require_GET
def vote_detail(request, pk):
    vote = _vote_for(request.user, pk)
    tally = tallies.vote_tally(vote)
    not_voted = (
        Voter.objects.filter(vote=vote, ballots__isnull=True)
        .select_related("household__cooperative")
        .order_by("household__cooperative__name", "household__number", "pk")
    )
    breakdown = [] if vote.cooperative_id else tallies.cooperative_breakdown(vote)
    return render(
        request,
        "cases/votes/detail.html",
        {
            "vote": vote,
            "tally": tally,
            "rule": rule_summary(tally.rule),
            "bar": _bar(tally),
            "warnings": _warnings(vote),
            "not_voted": not_voted,
            "breakdown": breakdown,
            "may_manage": request.user.has_perm("cases.change_vote"),
            "may_enter": request.user.has_perm("cases.add_ballot"),
        },
    )


def _transitions():
    return {
        "open": (services.vote_open, _("The vote is open; its roll of %(n)s voters is frozen.")),
        "close": (services.vote_close, _("The vote is closed; it takes no more ballots.")),
        "certify": (services.vote_certify, _("The result is certified and final.")),
    }


@login_required
@require_POST
def vote_transition(request, pk, action):
    """Open, close or certify (township staff: ``cases.change_vote``)."""
    vote = _vote_for(request.user, pk)
    if not request.user.has_perm("cases.change_vote"):
        raise PermissionDenied
    service, done = _transitions()[action]
    try:
        vote = service(vote=vote, user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done % {"n": vote.voters.count()} if action == "open" else done)
    return redirect("vote_detail", pk=vote.pk)


def _entries(post) -> dict[int, services.BallotEntry]:
    """The filled-in rows of a submitted sheet, by voter id (a row is filled in when it has a
    choice or a proxy; the default "in person" alone does not count)."""
    ids = set()
    for key, value in post.items():
        prefix, _dash, voter_id = key.partition("-")
        if prefix in ("choice", "proxy", "proxy_member") and voter_id.isdigit() and value.strip():
            ids.add(int(voter_id))
    entries = {}
    for voter_id in sorted(ids):
        member = post.get(f"proxy_member-{voter_id}", "")
        entries[voter_id] = services.BallotEntry(
            voter_id=voter_id,
            choice=post.get(f"choice-{voter_id}", ""),
            method=post.get(f"method-{voter_id}", Ballot.Method.IN_PERSON),
            proxy_name=post.get(f"proxy-{voter_id}", ""),
            proxy_member_id=int(member) if member.isdigit() else None,
        )
    return entries


def _sheet_rows(vote: Vote, rule: voting.Rule, typed: dict, errors: dict) -> list[dict]:
    """Every line of the roll with its ballot (if any), what was typed, and its errors.

    Three queries whatever the size of the roll (voters, ballots, and the household members
    when proxies must come from the household)."""
    voters = list(
        Voter.objects.filter(vote=vote)
        .select_related("household__cooperative")
        .order_by("household__cooperative__name", "household__number", "pk")
    )
    ballots = {b.voter_id: b for b in Ballot.objects.filter(vote=vote)}
    members: dict[int, list[Member]] = {}
    if rule.proxy_same_household_only:
        in_roll = Voter.objects.filter(vote=vote).values("household_id")
        for m in Member.objects.filter(household__in=in_roll).only("pk", "name", "household_id"):
            members.setdefault(m.household_id, []).append(m)
    return [
        {
            "voter": v,
            "ballot": ballots.get(v.pk),
            "typed": typed.get(v.pk),
            "errors": errors.get(v.pk, []),
            "proxies": [m for m in members.get(v.household_id, []) if m.pk != v.member_id],
        }
        for v in voters
    ]


@login_required
@permission_required("cases.add_ballot", raise_exception=True)
@require_http_methods(["GET", "POST"])
def ballot_sheet(request, pk):
    """The whole frozen roll on one page; saves the filled-in rows in one bulk write."""
    vote = _vote_for(request.user, pk)
    rule = tallies.vote_rule(vote)
    form = SheetForm(request.POST or None, vote=vote, last_day=request.GET.get("cast_on", ""))
    typed, errors = {}, {}
    if request.method == "POST":
        typed = _entries(request.POST)
        if not typed:
            messages.error(request, _("No row was filled in: nothing to save."))
        elif form.is_valid():
            try:
                result = services.ballot_cast_many(
                    vote=vote,
                    entries=list(typed.values()),
                    cast_on=form.cleaned_data["cast_on"],
                    user=request.user,
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    form.add_error(None, exc)
                else:
                    for message in exc.messages:
                        messages.error(request, message)
            else:
                saved = len(result.saved)
                if saved:
                    messages.success(
                        request,
                        ngettext("%(n)s ballot saved.", "%(n)s ballots saved.", saved)
                        % {"n": saved},
                    )
                if not result.errors:
                    # Back to the sheet, on the same day: door to door, the next ballot is
                    # entered from here (the tally is one link away).
                    day = form.cleaned_data["cast_on"].isoformat()
                    return redirect(f"{reverse('ballot_sheet', args=[vote.pk])}?cast_on={day}")
                errors = result.errors
                typed = {k: v for k, v in typed.items() if k in errors}
                messages.error(
                    request,
                    ngettext(
                        "%(n)s row needs attention: see the messages in red.",
                        "%(n)s rows need attention: see the messages in red.",
                        len(errors),
                    )
                    % {"n": len(errors)},
                )
    rows = _sheet_rows(vote, rule, typed, errors)
    return render(
        request,
        "cases/votes/sheet.html",
        {
            "vote": vote,
            "rule": rule,
            "form": form,
            "rows": rows,
            "recorded": sum(1 for r in rows if r["ballot"]),
            "choices": Ballot.Choice.choices,
            "methods": Ballot.Method.choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def ballot_detail(request, pk, ballot_pk):
    """One ballot, its history (who, when, old and new, why), and a correction form."""
    ballot = get_for_user(
        Ballot.objects.select_related(
            "voter__household", "vote__village", "vote__cooperative", "recorded_by", "proxy_member"
        ),
        request.user,
        pk=ballot_pk,
        vote_id=pk,
    )
    form = BallotCorrectionForm(
        request.POST or None,
        ballot=ballot,
        proxy_same_household_only=tallies.vote_rule(ballot.vote).proxy_same_household_only,
    )
    if request.method == "POST":
        if not request.user.has_perm("cases.change_ballot"):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.ballot_correct(
                    ballot=ballot,
                    choice=data["choice"],
                    method=data["method"],
                    proxy_name=data.get("proxy_name", ""),
                    proxy_member=data.get("proxy_member"),
                    reason=data["reason"],
                    user=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The ballot is corrected; the old one is kept below."))
                return redirect("ballot_detail", pk=pk, ballot_pk=ballot.pk)
    history = ballot.history.select_related("history_user", "proxy_member").order_by(
        "-history_date", "-history_id"
    )
    return render(
        request,
        "cases/votes/ballot.html",
        {
            "ballot": ballot,
            "vote": ballot.vote,
            "form": form,
            "history": history,
            "may_correct": ballot.vote.status == Vote.Status.OPEN
            and request.user.has_perm("cases.change_ballot"),
        },
    )


@login_required
@require_GET
def vote_notice(request, pk):
    """The printable result notice (公示), from the certified result once certified."""
    vote = _vote_for(request.user, pk)
    tally = tallies.vote_tally(vote)
    return render(
        request,
        "cases/votes/notice.html",
        {
            "vote": vote,
            "tally": tally,
            "rule": rule_summary(tally.rule),
            "warnings": _warnings(vote),
        },
    )


@login_required
@require_GET
def meeting_list(request, project_pk):
    project = get_for_user(Project, request.user, pk=project_pk)
    meetings = (
        Meeting.objects.visible_to(request.user)
        .filter(project=project)
        .select_related("village", "branch")
        .prefetch_related(Prefetch("votes", queryset=Vote.objects.visible_to(request.user)))
        .order_by("-held_on", "-pk")
    )
    return render(request, "cases/meetings/list.html", {"project": project, "meetings": meetings})


@login_required
@permission_required("cases.add_meeting", raise_exception=True)
@require_http_methods(["GET", "POST"])
def meeting_new(request, project_pk):
    project = get_for_user(Project, request.user, pk=project_pk)
    form = MeetingForm(request.POST or None, project=project, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_record(project=project, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The meeting is recorded."))
            return redirect("meeting_list", project_pk=project.pk)
    return render(request, "cases/meetings/form.html", {"project": project, "form": form})
