"""Forms: they parse and show input; the rules live in ``cases.services``."""

import uuid

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Case, Stance, Visit
from ..templatetags.landreform import person


class DateInput(forms.DateInput):
    """A native date picker; its value must be ISO whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def possible_visitors(case: Case):
    """Active people who may have taken part: township-wide staff and the village's cadres."""
    village_id = case.household.cooperative.village_id
    return (
        get_user_model()
        .objects.filter(is_active=True, staff_profile__isnull=False)
        .filter(
            Q(is_superuser=True)
            | Q(groups__permissions__codename="view_all_villages")
            | Q(staff_profile__villages=village_id)
        )
        .distinct()
        .order_by("username")
    )


class VisitFieldsForm(forms.Form):
    """What the visitor heard, without who was there: it needs no case to be checked, so the
    visit form's fast path (``services.visit_record_as``) parses a post with it alone."""

    visited_on = forms.DateField(label=_("date of visit"), widget=DateInput)
    stance = forms.ChoiceField(
        label=_("stance heard"), choices=Stance.choices, widget=forms.RadioSelect
    )
    place = forms.ChoiceField(label=_("place"), choices=Visit.Place.choices)
    concerns = forms.MultipleChoiceField(
        label=_("concerns"),
        choices=Visit.Concern.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    next_follow_up_on = forms.DateField(label=_("next follow-up"), required=False, widget=DateInput)
    client_id = forms.UUIDField(widget=forms.HiddenInput)


class VisitForm(VisitFieldsForm):
    """入户走访: what the visitor heard. ``client_id`` is fixed when the form is first shown."""

    visitors = forms.ModelMultipleChoiceField(
        label=_("visitors"),
        queryset=get_user_model().objects.none(),
        required=False,
        help_text=_("Nobody ticked: you alone."),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, case: Case, user, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "visited_on": timezone.localdate(),
                "visitors": [user.pk],
                "stance": case.stance,
                "place": Visit.Place.HOME,
                "client_id": uuid.uuid4(),
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["visitors"].queryset = possible_visitors(case)
        self.fields["visitors"].label_from_instance = person
