"""Filters of the case, visit and project lists (django-filter), and of the household and
vote exports.

Every choice list is scoped to the user: the querysets are callables of the request, so a cadre
is offered only the projects, villages, cooperatives, visitors and branches of their villages.
Households are never offered as an ``<option>`` list; they are found by free-text search.
"""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import (
    Case,
    Cooperative,
    Household,
    PartyBranch,
    Project,
    Stance,
    Village,
    Visit,
    Vote,
    sees_all_villages,
    visible_village_ids,
)
from .models.casework import DUE_SOON_DAYS, due_q, overdue_q, signed_q, under_visited_opposed_q
from .templatetags.landreform import person


class OrderingFilter(django_filters.OrderingFilter):
    """django-filter's, with the "(descending)" labels translated per request: its own are
    formatted once, at import, in no user's language (and it has no zh_Hans catalog).

    Fields in ``nulls_latest`` sort an empty value as the latest (no follow-up date: after
    every dated one), on every database as PostgreSQL does by default, so that its index
    still serves the order; SQLite would put them first."""

    nulls_latest = {"next_follow_up_on"}

    def get_ordering_value(self, param):
        value = super().get_ordering_value(param)
        field = value.lstrip("-")
        if field not in self.nulls_latest:
            return value
        if value.startswith("-"):
            return F(field).desc(nulls_first=True)
        return F(field).asc(nulls_last=True)

    def build_choices(self, fields, labels):
        choices = []
        for field, param in fields.items():
            label = labels.get(field, param)
            descending = format_lazy(_("{label} (descending)"), label=label)
            choices += [(param, label), (f"-{param}", descending)]
        return choices


class RowOrderingFilter(OrderingFilter):
    """The sort of rows whose sort keys are computed after the query (the project list's
    figures, ``dashboards.sort_summaries``): offered, validated and shown among the active
    filters as any ordering, but it leaves the queryset as it is."""

    def filter(self, qs, value):
        return qs


def visible_projects(request):
    return Project.objects.visible_to(request.user).order_by("-started_on", "name")


#: The project list's sortable columns, by sort parameter (``dashboards.PROJECT_SORT_KEYS``):
#: their headers and sort labels.
PROJECT_COLUMNS = {
    "name": _("name"),
    "households": _("households"),
    "visited": _("visited %"),
    "signed": _("signed %"),
    "opposed": _("opposed"),
    "overdue": _("overdue follow-ups"),
    "recent_visits": _("visits in the last 7 days"),
    "open_votes": _("open votes"),
    "next_due": _("next stage due"),
}


def visible_villages(request):
    return Village.objects.visible_to(request.user).order_by("name")


#: Above this many cooperatives in scope (a district has thousands), the cooperative list
#: offers only those of the village chosen, instead of an ``<option>`` for every one.
MAX_COOPERATIVE_CHOICES = 200


def visible_cooperatives(request):
    """The user's cooperatives; for a township-wide user in a large district, those of the
    chosen village (or the chosen cooperative alone, so that a link to it still filters)."""
    coops = Cooperative.objects.visible_to(request.user).select_related("village")
    if not sees_all_villages(request.user):  # a cadre's few villages
        return coops
    villages = [v for v in request.GET.getlist("village") if v.isdigit()]
    if villages:
        return coops.filter(village_id__in=villages)
    return _chosen_alone_if_many(coops, request, "cooperative", MAX_COOPERATIVE_CHOICES)


def visible_branches(request):
    """Branches of the user's villages and the township organs' branches (no village)."""
    branches = PartyBranch.objects.order_by("name")
    if sees_all_villages(request.user):
        return branches
    return branches.filter(
        Q(village__in=visible_village_ids(request.user)) | Q(village__isnull=True)
    )


#: Above this many people, the visitor list offers the person chosen alone (a district
#: has a thousand visitors: an ``<option>`` each cost a quarter of a second per page).
MAX_VISITOR_CHOICES = 200


def visible_visitors(request):
    """People who took part in at least one visit the user may see.

    For a township-wide user, one index probe of the visit–visitor table per person
    (``EXISTS``) rather than reading that table's millions of rows."""
    users = get_user_model().objects.order_by("last_name", "first_name", "username")
    if not sees_all_villages(request.user):  # the few who visited the user's villages
        return users.filter(pk__in=Visit.objects.visible_to(request.user).values("visitors"))
    took_part = Visit.visitors.through.objects.filter(user=OuterRef("pk"))
    return _chosen_alone_if_many(
        users.filter(Exists(took_part)), request, "visitor", MAX_VISITOR_CHOICES
    )


def _chosen_alone_if_many(queryset, request, param: str, limit: int):
    """``queryset``, or only the row chosen in ``param`` when there are more than ``limit``
    (so that a link with that filter still works)."""
    if not queryset.order_by()[limit:].exists():
        return queryset
    chosen = request.GET.get(param, "")
    return queryset.filter(pk=chosen) if chosen.isdigit() else queryset.none()


def household_search(queryset, value: str, path: str = "household"):
    """Rows whose household's head name or household number contains ``value`` (``path`` ""
    for households themselves)."""
    value = (value or "").strip()
    if not value:
        return queryset
    prefix = f"{path}__" if path else ""
    return queryset.filter(
        Q(**{f"{prefix}head_name__icontains": value}) | Q(**{f"{prefix}number__icontains": value})
    )


class Attention(models.TextChoices):
    """The three parts of ``Case.objects.needs_attention()``, as a filter."""

    ANY = "any", _("needs attention")
    UNDER_VISITED_OPPOSED = "under_visited_opposed", _("opposed, fewer than three visits")
    OVERDUE = "overdue", _("follow-up overdue")
    STALE_UNDECIDED = "stale_undecided", _("undecided, not visited for 30 days")


class FollowUpDue(models.TextChoices):
    """How soon a case's next follow-up falls, overdue included (``due_q``)."""

    TODAY = "today", _("today or overdue")
    SOON = "soon", format_lazy(_("within {days} days or overdue"), days=DUE_SOON_DAYS)


#: What an empty choice of every filter reads, rather than django-filter's "---------":
#: "All" (全部) for a filter, "Default order" (默认顺序) for a sort. One word for every field
#: (not "All projects"), so that a new filter needs nothing to read right.
ALL = _("All")
DEFAULT_ORDER = _("Default order")


class FilterSet(django_filters.FilterSet):
    """django-filter's, its empty choices labelled ``ALL`` / ``DEFAULT_ORDER``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.filters.values():  # before the form is made of them
            if isinstance(f, django_filters.OrderingFilter):
                f.extra["empty_label"] = DEFAULT_ORDER
            elif isinstance(f, django_filters.ChoiceFilter | django_filters.ModelChoiceFilter):
                f.extra["empty_label"] = ALL


def _yes_no_select():
    return forms.Select(choices=[("", ALL), ("true", _("yes")), ("false", _("no"))])


def _yes_or_no(queryset, value: bool | None, condition):
    """A yes/no filter: the rows meeting ``condition()`` (a ``Q``), those not, or all."""
    if value is None:
        return queryset
    return queryset.filter(condition()) if value else queryset.exclude(condition())


class CaseFilter(FilterSet):
    q = django_filters.CharFilter(
        method="search", label=_("Search"), help_text=_("Head or household no.")
    )
    project = django_filters.ModelChoiceFilter(queryset=visible_projects, label=_("project"))
    village = django_filters.ModelChoiceFilter(
        field_name="household__cooperative__village",
        queryset=visible_villages,
        label=_("village"),
    )
    cooperative = django_filters.ModelChoiceFilter(
        field_name="household__cooperative", queryset=visible_cooperatives, label=_("cooperative")
    )
    status = django_filters.ChoiceFilter(choices=Case.Status.choices, label=_("status"))
    stance = django_filters.ChoiceFilter(choices=Stance.choices, label=_("stance"))
    #: The dashboards' "signed, incl. completed" (``signed_q``), which no single status is.
    signed = django_filters.BooleanFilter(
        method="filter_signed", label=_("signed, incl. completed"), widget=_yes_no_select()
    )
    visits_min = django_filters.NumberFilter(
        field_name="visit_count", lookup_expr="gte", label=_("at least … visits"), min_value=0
    )
    visits_max = django_filters.NumberFilter(
        field_name="visit_count", lookup_expr="lte", label=_("at most … visits"), min_value=0
    )
    attention = django_filters.ChoiceFilter(
        choices=Attention.choices, method="filter_attention", label=_("needs attention")
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label=_("follow-up overdue"), widget=_yes_no_select()
    )
    due = django_filters.ChoiceFilter(
        choices=FollowUpDue.choices, method="filter_due", label=_("follow-up due")
    )
    mine = django_filters.BooleanFilter(
        method="filter_mine", label=_("visited by me"), widget=_yes_no_select()
    )
    ordering = OrderingFilter(
        fields=(
            ("household__number", "number"),
            ("household__head_name", "head"),
            ("status", "status"),
            ("visit_count", "visits"),
            ("last_visit_on", "last_visit"),
            ("next_follow_up_on", "follow_up"),
        ),
        field_labels={
            "household__number": _("household number"),
            "household__head_name": _("head of household"),
            "status": _("status"),
            "visit_count": _("visits"),
            "last_visit_on": _("last visit"),
            "next_follow_up_on": _("next follow-up"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = Case
        fields = []

    def search(self, queryset, name, value):
        return household_search(queryset, value)

    def filter_signed(self, queryset, name, value):
        return _yes_or_no(queryset, value, signed_q)

    def filter_overdue(self, queryset, name, value):
        return _yes_or_no(queryset, value, lambda: overdue_q(timezone.localdate()))

    def filter_due(self, queryset, name, value):
        days = {FollowUpDue.TODAY: 0, FollowUpDue.SOON: DUE_SOON_DAYS}
        if value not in days:
            return queryset
        return queryset.filter(due_q(timezone.localdate(), days[value]))

    def filter_mine(self, queryset, name, value):
        """Cases the user took part in a visit of ("whom do I visit next"), or, with "no",
        those they have not visited yet."""
        user = self.request.user
        return _yes_or_no(
            queryset, value, lambda: Q(pk__in=Case.objects.visited_by(user).values("pk"))
        )

    def filter_attention(self, queryset, name, value):
        parts = {
            Attention.ANY: queryset.needs_attention,
            Attention.UNDER_VISITED_OPPOSED: queryset.under_visited_opposed,
            Attention.OVERDUE: queryset.overdue,
            Attention.STALE_UNDECIDED: queryset.stale_undecided,
        }
        return parts[value]() if value in parts else queryset


class LabelledDateRangeWidget(django_filters.widgets.DateRangeWidget):
    """Two date pickers under one label: the ``<label>`` points at the first (Django's
    multi-widget gives it no target: ``for=""``), and each says which end it is to a screen
    reader ("date of visit, from", "date of visit, to")."""

    def __init__(self, *args, label="", **kwargs):
        super().__init__(*args, **kwargs)
        self.label = label

    def id_for_label(self, id_):
        return f"{id_}_0" if id_ else id_

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        ends = (_("from"), _("to"))
        for subwidget, end in zip(context["widget"]["subwidgets"], ends, strict=True):
            subwidget["attrs"]["aria-label"] = (
                format_lazy(_("{field}, {end}"), field=self.label, end=end) if self.label else end
            )
        return context


class OrderedDateRangeField(django_filters.fields.DateRangeField):
    """A date range whose start is not after its end. Reversed ("from 2021-05-01 to
    2021-01-01"), it matched nothing: the list said "no visits" and the export was an empty
    file, both reading as "none made then" rather than as a slip of the finger."""

    def compress(self, data_list):
        if data_list and all(data_list) and data_list[0] > data_list[1]:
            raise ValidationError(_("The start date is after the end date."), code="reversed_range")
        return super().compress(data_list)


class DateFromToRangeFilter(django_filters.DateFromToRangeFilter):
    """django-filter's, refusing a reversed range beside the field (and in an export, 400)."""

    field_class = OrderedDateRangeField


class VisitFilter(FilterSet):
    project = django_filters.ModelChoiceFilter(
        field_name="project", queryset=visible_projects, label=_("project")
    )
    visitor = django_filters.ModelChoiceFilter(
        field_name="visitors", queryset=visible_visitors, label=_("visitor")
    )
    branch = django_filters.ModelChoiceFilter(queryset=visible_branches, label=_("party branch"))
    visited_on = DateFromToRangeFilter(
        label=_("date of visit"),
        widget=LabelledDateRangeWidget(attrs={"type": "date"}, label=_("date of visit")),
    )
    stance = django_filters.ChoiceFilter(choices=Stance.choices, label=_("stance heard"))
    q = django_filters.CharFilter(
        method="search", label=_("Search"), help_text=_("Head or household no.")
    )
    ordering = OrderingFilter(
        fields=(
            ("visited_on", "date"),
            ("case__household__number", "number"),
            ("stance", "stance"),
        ),
        field_labels={
            "visited_on": _("date of visit"),
            "case__household__number": _("household number"),
            "stance": _("stance heard"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = Visit
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["visitor"].label_from_instance = person

    def search(self, queryset, name, value):
        return household_search(queryset, value, path="case__household")


class ProjectFilter(FilterSet):
    """The project list's filters. Its sort is by figures, which are not columns: the view
    sorts the rows by ``chosen_ordering()`` once their figures are read."""

    q = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", label=_("Search"), help_text=_("Project name")
    )
    kind = django_filters.ChoiceFilter(choices=Project.Kind.choices, label=_("kind"))
    status = django_filters.ChoiceFilter(choices=Project.Status.choices, label=_("status"))
    village = django_filters.ModelChoiceFilter(
        field_name="villages", queryset=visible_villages, label=_("village")
    )
    attention = django_filters.BooleanFilter(
        method="filter_attention", label=_("needs attention"), widget=_yes_no_select()
    )
    ordering = RowOrderingFilter(
        fields=[(key, key) for key in PROJECT_COLUMNS],
        field_labels=PROJECT_COLUMNS,
        label=_("Sort by"),
    )

    class Meta:
        model = Project
        fields = []

    def filter_attention(self, queryset, name, value):
        """Projects with, among the cases the user sees, an overdue follow-up or an opposed
        household visited fewer than three times (or, with "no", none)."""
        if value is None:
            return queryset
        attention = overdue_q(timezone.localdate()) | under_visited_opposed_q()
        cases = Case.objects.visible_to(self.request.user).filter(attention, project=OuterRef("pk"))
        return queryset.filter(Exists(cases) if value else ~Exists(cases))

    def chosen_ordering(self) -> list[str]:
        """The sort chosen (``dashboards.PROJECT_SORT_KEYS``, ``-`` for descending); empty for
        the default order or an invalid choice."""
        self.errors  # noqa: B018 (validates the form)
        return [v for v in self.form.cleaned_data.get("ordering") or [] if v]


class HouseholdFilter(FilterSet):
    """The household export's filters (there is no household list page): the user's villages,
    cooperatives and projects only, as everywhere; several values of one parameter are any of
    them.

    ``project``, ``status`` and ``stance`` are about one case: a household is kept when one of
    its cases is in one of the projects chosen AND has one of the statuses AND one of the
    stances (``filter_queryset``), never when one case is in the project and another signed.
    """

    q = django_filters.CharFilter(
        method="search", label=_("Search"), help_text=_("Head of household or household number")
    )
    village = django_filters.ModelMultipleChoiceFilter(
        field_name="cooperative__village",
        queryset=visible_villages,
        label=_("village"),
        distinct=False,  # one village per household: no row to fold
    )
    cooperative = django_filters.ModelMultipleChoiceFilter(
        queryset=visible_cooperatives, label=_("cooperative"), distinct=False
    )
    # Applied together, by ``filter_queryset``.
    project = django_filters.ModelMultipleChoiceFilter(
        queryset=visible_projects, label=_("project"), method="by_case"
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Case.Status.choices, label=_("status"), method="by_case"
    )
    stance = django_filters.MultipleChoiceFilter(
        choices=Stance.choices, label=_("stance"), method="by_case"
    )

    class Meta:
        model = Household
        fields = []

    def search(self, queryset, name, value):
        return household_search(queryset, value, path="")

    def by_case(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        chosen = self.form.cleaned_data
        lookups = {"project__in": "project", "status__in": "status", "stance__in": "stance"}
        conditions = {lookup: chosen[name] for lookup, name in lookups.items() if chosen.get(name)}
        if not conditions:
            return queryset
        cases = Case.objects.filter(household=OuterRef("pk"), **conditions)
        return queryset.filter(Exists(cases))


class VoteFilter(FilterSet):
    """The vote export's filters: the user's projects, villages and cooperatives only; several
    values of one parameter are any of them. The vote list (``VoteListFilter``) sends the same
    parameters, one value each, so that its export holds the rows it shows."""

    q = django_filters.CharFilter(
        field_name="subject", lookup_expr="icontains", label=_("Search"), help_text=_("Subject")
    )

    project = django_filters.ModelMultipleChoiceFilter(
        queryset=visible_projects, label=_("project"), distinct=False
    )
    village = django_filters.ModelMultipleChoiceFilter(
        queryset=visible_villages, label=_("village"), distinct=False
    )
    cooperative = django_filters.ModelMultipleChoiceFilter(
        queryset=visible_cooperatives, label=_("cooperative"), distinct=False
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Vote.Status.choices, label=_("status"), distinct=False
    )

    class Meta:
        model = Vote
        fields = []


class VoteListFilter(VoteFilter):
    """The vote list's filters: those of its export, one choice each (a drop-down, not a list
    box). A district holds hundreds of votes; a cadre looks for a village's open ones, a
    leader for a project's. The village is the electorate's: a cooperative's vote is in its
    village (``Vote.village`` is always set)."""

    project = django_filters.ModelChoiceFilter(queryset=visible_projects, label=_("project"))
    village = django_filters.ModelChoiceFilter(queryset=visible_villages, label=_("village"))
    cooperative = django_filters.ModelChoiceFilter(
        queryset=visible_cooperatives, label=_("cooperative")
    )
    status = django_filters.ChoiceFilter(choices=Vote.Status.choices, label=_("status"))
