"""Forms: they parse and show input; the rules live in ``cases.services``."""

import uuid
from collections.abc import Iterable

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Case, Stance, Visit
from ..services import case_check_sign, visit_check_dates, visit_possible_visitors
from ..templatetags.landreform import person
from ..validators import parse_yuan


class DateInput(forms.DateInput):
    """A native date picker; its value must be ISO whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def concerns_field() -> forms.MultipleChoiceField:
    """A visit's concerns, ticked by name (the visit form and the admin's)."""
    return forms.MultipleChoiceField(
        label=_("concerns"),
        choices=Visit.Concern.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


def add_errors_beside_fields(form: forms.Form, exc: ValidationError) -> None:
    """A service's check's errors beside the form's fields (a field that already has an error
    of its own keeps that one alone), and any other above the form, so none is lost."""
    for field, messages in exc.message_dict.items():
        if field not in form.fields:
            form.add_error(None, messages)
        elif field not in form.errors:
            form.add_error(field, messages)


class VisitFieldsForm(forms.Form):
    """What the visitor heard, without who was there: it needs no case to be checked, so the
    visit form's fast path (``services.visit_record_as``) parses a post with it alone."""

    visited_on = forms.DateField(label=_("date of visit"), widget=DateInput)
    stance = forms.ChoiceField(
        label=_("stance heard"), choices=Stance.choices, widget=forms.RadioSelect
    )
    place = forms.ChoiceField(label=_("place"), choices=Visit.Place.choices)
    concerns = concerns_field()
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

    def __init__(self, *args, case: Case, user=None, keep_visitors: Iterable[int] = (), **kwargs):
        if user is not None:
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
        self.fields["visitors"].queryset = visit_possible_visitors(case, keep=keep_visitors)
        self.fields["visitors"].label_from_instance = person


class VisitCorrectForm(VisitForm):
    """Correcting a stored visit: the visit form's fields, filled in with what the visit says,
    without its client id (the visit keeps its own). At least one visitor is ticked (the
    service refuses none, beside the field); the visit's own visitors stay offered."""

    def __init__(self, *args, visit: Visit, **kwargs):
        visitor_ids = [user.pk for user in visit.visitors.all()]
        kwargs.setdefault(
            "initial",
            {
                "visited_on": visit.visited_on,
                "visitors": visitor_ids,
                "stance": visit.stance,
                "place": visit.place,
                "concerns": visit.concerns,
                "notes": visit.notes,
                "next_follow_up_on": visit.next_follow_up_on,
            },
        )
        super().__init__(*args, case=visit.case, keep_visitors=visitor_ids, **kwargs)
        del self.fields["client_id"]
        visitors = self.fields["visitors"]
        visitors.help_text = _("Everyone who took part: at least one.")
        # Told with the other fields' errors, not after them (the service refuses none too).
        visitors.required = True
        visitors.error_messages["required"] = _("Tick at least one visitor.")

    def clean(self):
        """The service's date checks (``visit_check_dates``), so that a date in the future or
        a follow-up before the visit is told together with no visitor ticked: the service,
        reached only once the form is valid, told it after the visitors were mended."""
        cleaned = super().clean()
        if cleaned.get("visited_on") is not None:
            try:
                visit_check_dates(
                    visited_on=cleaned["visited_on"],
                    next_follow_up_on=cleaned.get("next_follow_up_on"),
                )
            except ValidationError as exc:
                add_errors_beside_fields(self, exc)
        return cleaned


class YuanField(forms.DecimalField):
    """An amount in yuan as typed (``validators.parse_yuan``: thousands separators, full-width
    digits, ¥ / 元, 万), at most two decimals; a text box, since a number box refuses the
    separators."""

    default_error_messages = {
        "invalid": _("Enter an amount in yuan, such as 378000, 378,000.50 or 37.8万."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(max_digits=14, decimal_places=2, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_yuan(str(value))
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class CaseSignForm(forms.Form):
    """签订协议: the agreement date (today unless recorded) and the agreed compensation. The
    field names are the service's, so that its errors stand beside their fields."""

    agreement_signed_on = forms.DateField(label=_("date of the agreement"), widget=DateInput)
    compensation_yuan = YuanField(
        label=_("agreed compensation (yuan)"),
        required=False,
        help_text=_("Optional. Left blank, an amount already recorded is kept."),
    )

    def __init__(self, *args, case: Case, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "agreement_signed_on": case.agreement_signed_on or timezone.localdate(),
                "compensation_yuan": case.compensation_yuan,
            },
        )
        super().__init__(*args, **kwargs)

    def clean(self):
        """The service's checks of what was typed (``case_check_sign``), so that a date in the
        future is told together with a mistyped amount, not after it is corrected."""
        cleaned = super().clean()
        signed_on, amount = cleaned.get("agreement_signed_on"), cleaned.get("compensation_yuan")
        try:
            case_check_sign(signed_on=signed_on, compensation_yuan=amount)
        except ValidationError as exc:
            add_errors_beside_fields(self, exc)
        return cleaned


class CaseCompleteForm(forms.Form):
    """Compensation paid and land handed over: the completion date (today unless recorded)."""

    completed_on = forms.DateField(label=_("date of completion"), widget=DateInput)

    def __init__(self, *args, case: Case, **kwargs):
        kwargs.setdefault("initial", {"completed_on": case.completed_on or timezone.localdate()})
        super().__init__(*args, **kwargs)
