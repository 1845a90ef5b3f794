"""Template helpers: ``{% load landreform %}`` then ``{{ value|id_number:user }}``."""

from django import template

from ..access import id_number_for, phone_for
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
