"""Template helpers: ``{% load landreform %}`` then ``{{ value|id_number:user }}``."""

from django import template

from ..access import id_number_for, may_see_personal_numbers, phone_for
from ..backlinks import Crumb, back_query, crumb_back
from ..models import Visit
from ..voting import format_percent
from ..wording import (
    join_list,
    legal_basis as legal_basis_in_language,
    people,
    person,
    tidy_sentences,
)

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


register.filter("person", person)
register.filter("people", people)


@register.filter
def names(items) -> str:
    """Villages, cooperatives, any named rows: their names joined as the language joins a list."""
    return join_list(items)


@register.filter
def legal_basis(text) -> str:
    """A stage's legal basis in the page's language (``wording.legal_basis``)."""
    return legal_basis_in_language(text or "")


@register.simple_tag(takes_context=True)
def active_filters(context, filterset) -> list[dict]:
    """The filters a list is narrowed by, each as ``label``, ``value`` (as the user chose it)
    and ``remove`` (the list's query without it), for a line above the list: on a phone the
    filter panel stays folded and the list starts on the first screen. The search box shows
    its own text; an invalid form shows its errors in the panel instead (empty here)."""
    from django.db.models import Model

    request = context["request"]
    form = filterset.form
    if not filterset.is_bound or not form.is_valid():
        return []
    chosen = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if name == "q" or value in (None, "", [], ()):
            continue
        params = [name, f"{name}_after", f"{name}_before", f"{name}_min", f"{name}_max"]
        if isinstance(value, slice):  # a date range, as typed (the form holds datetimes)
            ends = (request.GET.get(f"{name}_after"), request.GET.get(f"{name}_before"))
            shown = " – ".join(end or "…" for end in ends)
        elif isinstance(value, Model):
            label = getattr(field, "label_from_instance", str)
            shown = label(value)
        else:
            raw = request.GET.get(name, "")
            choices = dict(getattr(field, "choices", None) or getattr(field.widget, "choices", []))
            raw_list = value if isinstance(value, list) else [raw]
            shown = ", ".join(str(choices.get(v, v)) for v in raw_list if v not in ("", None))
        query = request.GET.copy()
        for param in params + ["page"]:
            query.pop(param, None)
        chosen.append(
            {"name": name, "label": field.label, "value": shown, "remove": query.urlencode()}
        )
    return chosen


@register.simple_tag(takes_context=True)
def back_here(context) -> str:
    """``back=…`` naming this page (a list, with its filters and page), for a link to a detail
    page whose crumb leads back here: ``{% url 'household_detail' pk %}?{% back_here %}``."""
    return back_query(context["request"].get_full_path())


@register.inclusion_tag("cases/partials/crumbs.html")
def crumbs(*links) -> dict:
    """The crumbs above a page's title, on one line: ``{% crumbs url label url label … %}``,
    each followed by "›" (the page's own title comes next).

    A trail is at most a list, the object it opened (a project's or a vote's name, which may be
    long) and a page of that object: the second crumb, the name, gives way with an ellipsis on
    a narrow screen; its whole text stays in the link (read by screen readers) and in its
    ``title`` (shown on hover, and on a long press by the phone's link menu)."""
    pairs = zip(links[::2], links[1::2], strict=True)
    return {"links": [Crumb(url, label) for url, label in pairs]}


@register.simple_tag(takes_context=True)
def back_to(context, *lists: str) -> Crumb:
    """The crumb to the list this page was opened from (``?back=``), if it is one of
    ``lists``; otherwise to the first of them (``cases.backlinks``)."""
    return crumb_back(context["request"].GET.get("back", ""), lists)


@register.filter
def sentences(text):
    """A message's sentences as the language writes them (``wording.tidy_sentences``)."""
    return tidy_sentences(text)
