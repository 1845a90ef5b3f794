"""Template helpers: ``{% load landreform %}`` then ``{{ value|id_number:user }}``."""

from django import template

from ..access import id_number_for, phone_for

register = template.Library()


@register.filter
def id_number(value, user):
    """身份证号 masked (``440682********123X``) unless the user may see it whole."""
    return id_number_for(user, value or "")


@register.filter
def phone(value, user):
    """Phone masked (``138****5678``) unless the user may see it whole."""
    return phone_for(user, value or "")
