"""Forms of the vote pages. Choices of related rows are scoped to the user's villages."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ..models import Ballot, Cooperative, Meeting, Member, PartyBranch, Project, Village, Vote

VOTE_FIELDS = [
    "subject",
    "subject_kind",
    "project",
    "meeting",
    "village",
    "cooperative",
    "rule_code",
    "basis",
    "only_collective_members",
    "only_shareholders",
    "only_adults",
    "opens_on",
    "closes_on",
    "custom_quorum_num",
    "custom_quorum_den",
    "custom_quorum_inclusive",
    "custom_approval_num",
    "custom_approval_den",
    "custom_approval_inclusive",
    "custom_approval_denominator",
    "custom_citation",
]
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VoteForm(forms.Form):
    """The set-up of a vote; ``services.vote_create`` checks the rules between fields."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(
            forms.fields_for_model(
                Vote,
                fields=VOTE_FIELDS,
                widgets={"opens_on": _DATE, "closes_on": _DATE},
            )
        )
        self.fields["project"].queryset = Project.objects.visible_to(user)
        self.fields["village"].queryset = Village.objects.visible_to(user)
        self.fields["cooperative"].queryset = Cooperative.objects.visible_to(user).select_related(
            "village"
        )
        self.fields["meeting"].queryset = Meeting.objects.visible_to(user).select_related("project")
        self.fields["rule_code"].widget.attrs["data-rule-select"] = ""
        self.fields["subject_kind"].widget.attrs["data-subject-select"] = ""


class SheetForm(forms.Form):
    """The sheet-wide part of ballot entry: the day the ballots of this batch were cast."""

    cast_on = forms.DateField(label=_("cast on"), widget=_DATE)

    def __init__(self, *args, vote, last_day: str = "", **kwargs):
        """``last_day``: the day of the batch saved before (ISO), kept from one save to the
        next while a cadre goes door to door; today (or the closing day) otherwise."""
        day = min(timezone.localdate(), vote.closes_on)
        try:
            last = date.fromisoformat(last_day)
        except ValueError:
            last = None
        if last and vote.opens_on <= last <= vote.closes_on:
            day = last
        kwargs.setdefault("initial", {"cast_on": day})
        super().__init__(*args, **kwargs)


class BallotCorrectionForm(forms.Form):
    choice = forms.ChoiceField(label=_("choice"), choices=Ballot.Choice.choices)
    method = forms.ChoiceField(label=_("how cast"), choices=Ballot.Method.choices)
    proxy_name = forms.CharField(label=_("proxy's name"), max_length=50, required=False)
    proxy_member = forms.ModelChoiceField(
        label=_("proxy (household member)"),
        queryset=Member.objects.none(),
        required=False,
        empty_label=_("none"),
    )
    reason = forms.CharField(label=_("reason for the correction"), max_length=200)

    def __init__(self, *args, ballot, proxy_same_household_only: bool, **kwargs):
        """One proxy field, as on the ballot sheet: a member of the voter's household where
        the rule allows no other proxy (``proxy_same_household_only``), else a name."""
        kwargs.setdefault(
            "initial",
            {
                "choice": ballot.choice,
                "method": ballot.method,
                "proxy_name": ballot.proxy_name,
                "proxy_member": ballot.proxy_member_id,
            },
        )
        super().__init__(*args, **kwargs)
        if not proxy_same_household_only:
            del self.fields["proxy_member"]
            return
        del self.fields["proxy_name"]
        household = Member.objects.filter(household_id=ballot.voter.household_id)
        if ballot.voter.member_id:
            household = household.exclude(pk=ballot.voter.member_id)
        self.fields["proxy_member"].queryset = household


class MeetingForm(forms.Form):
    def __init__(self, *args, project, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(
            forms.fields_for_model(
                Meeting,
                fields=["kind", "held_on", "place", "village", "branch", "attendance", "summary"],
                widgets={"held_on": _DATE},
            )
        )
        self.fields["village"].queryset = project.villages.filter(
            pk__in=Village.objects.visible_to(user).values("pk")
        )
        self.fields["branch"].queryset = PartyBranch.objects.filter(township=project.township_id)
        # Capitalised like the model's own labels beside it ("Kind", "Place").
        self.fields["summary"].label = capfirst(_("minutes / summary"))
