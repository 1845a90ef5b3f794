"""Template helpers: ``{% load landreform %}`` then ``{{ value|id_number:user }}``."""

from django import template

from ..access import id_number_for, may_see_personal_numbers, phone_for
from ..models import Visit
from ..voting import format_percent

register = template.Library()


@register.filter
def id_number(value, user):
    """身份证号 masked (``440682********123X``) unless the user may see it whole."""
    return id_number_for(user, value or "")


@register.filter
def phone(value, user):
    """Phone masked (``138****5678``) unless the user may see it whole."""
    return phone_for(user, value or "")


@register.filter
def percent(value):
    """A Fraction as a percentage rounded half up (``cases.voting.format_percent``)."""
    return format_percent(value) if value is not None else "—"


@register.inclusion_tag("cases/partials/personal_number.html", takes_context=True)
def personal_number(context, subject, field):
    """A number shown masked, with a "show" button for users who may reveal it; the button
    POSTs to the reveal endpoint (logged) through static/js/reveal.js:
    ``{% personal_number household "head_id_number" %}``, ``{% personal_number member "phone" %}``.
    """
    from django.urls import reverse

    from ..models import Household
    from ..validators import mask_id_number, mask_phone

    value = getattr(subject, field) or ""
    is_household = isinstance(subject, Household)
    url_name = "household_reveal" if is_household else "member_reveal"
    return {
        "masked": mask_phone(value) if field == "phone" else mask_id_number(value),
        "field": field,
        "url": reverse(url_name, args=[subject.pk]),
        "may_reveal": bool(value) and may_see_personal_numbers(context.get("user")),
    }


@register.filter
def minutes(value) -> int:
    """A timedelta in whole minutes (the lockout page's cool-off)."""
    return int(value.total_seconds() // 60) if value else 0


@register.filter
def concern_labels(codes):
    """A visit's concern codes as their labels, in the user's language."""
    labels = dict(Visit.Concern.choices)
    return [labels.get(code, code) for code in codes or []]


@register.filter
def person(user):
    """A user's name as written in Chinese (family name first, no space), else the username."""
    name = f"{user.last_name}{user.first_name}".strip()
    return name or user.get_username()
