from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from .. import audit, services
from ..access import get_for_user
from ..filters import CaseFilter, VisitFilter, household_search
from ..forms import (
    CaseCompleteForm,
    CaseSignForm,
    VisitCorrectForm,
    VisitFieldsForm,
    VisitForm,
)
from ..models import Ballot, Case, Household, Visit, read_village_ids
from ..pagination import CappedCountPaginator, PageByIds

PAGE_SIZE = 50


def _ordered(queryset, default: str):
    """The chosen sort (or ``default``), then the primary key so that pages never overlap,
    in the first key's direction: newest visits first is then one backward walk along
    (project, visited_on, id), even when tens of thousands of visits share the latest day."""
    keys = list(queryset.query.order_by) or [default]
    first = keys[0]
    descending = getattr(first, "descending", None)  # an expression (nulls placed), or a name
    if descending is None:
        descending = str(first).startswith("-")
    return queryset.order_by(*keys, "-pk" if descending else "pk")


def list_page(request, rows) -> dict:
    """A page of ``rows`` (a sorted queryset or list) for ``?page=``, and the list's query
    without it for the page links; the count stops at ``CappedCountPaginator.cap`` (a
    district has millions of visits)."""
    page = CappedCountPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"page": page, "query": query.urlencode()}


def filtered_list(
    request,
    filterset_class,
    queryset,
    default_order: str,
    template: str,
    arrange=None,
    extra_for_page=None,
):
    """A filtered, sorted page of ``queryset`` (already scoped); ``arrange`` may turn the
    sorted queryset into what the paginator reads (``PageByIds``); ``extra_for_page`` adds
    to the page's context what depends on the page."""
    filterset = filterset_class(request.GET, queryset=queryset, request=request)
    rows = _ordered(filterset.qs, default_order)
    page = list_page(request, arrange(rows) if arrange else rows)
    extra = extra_for_page(page["page"]) if extra_for_page else {}
    return render(request, template, {"filter": filterset, **page, **extra})


#: Households in no project shown under a case search, at most.
NOT_ENROLLED_SHOWN = 10


def households_in_no_project(user, q: str) -> list:
    """The households the user may see whose head or number matches ``q`` and that are in no
    project (no case): a roster just imported, say. The case list cannot show them (it lists
    cases), so its search names them, each a link to its page, rather than "no case matches".
    One query, only when a search is typed; ``NOT_ENROLLED_SHOWN`` + 1 rows, to say "more".

    Only under a search whose cases fit on one page, short of it (``case_list``): looking for
    a household by its name or number. A broad search (a surname) fills pages with cases,
    and its households with no case are looked for among every match: 0.3 s for "陈" among a
    district's million households, where a whole name takes 3 ms."""
    if not (q or "").strip():
        return []
    enrolled = Case.objects.filter(household=OuterRef("pk"))
    households = Household.objects.visible_to(user).filter(~Exists(enrolled))
    return list(
        household_search(households, q, path="")
        .select_related("cooperative__village")
        .order_by("cooperative__village__name", "cooperative__name", "number")[
            : NOT_ENROLLED_SHOWN + 1
        ]
    )


@login_required
@require_GET
def case_list(request):
    """Cases the user may see, filtered, sorted and paginated."""
    cases = Case.objects.visible_to(request.user).select_related(
        "project", "household__cooperative__village"
    )
    # Roster order by default (households are numbered as imported): along the case table's
    # (project, household) index, where sorting a district's project by household number
    # would sort two hundred thousand joined rows for each page.
    return filtered_list(
        request,
        CaseFilter,
        cases,
        "household_id",
        "cases/case_list.html",
        extra_for_page=lambda page: {
            "not_enrolled": []
            if page.has_other_pages() or len(page) >= PAGE_SIZE  # a broad search
            else households_in_no_project(request.user, request.GET.get("q", "")),
            "not_enrolled_shown": NOT_ENROLLED_SHOWN,
        },
    )


@login_required
@require_GET
def visit_list(request):
    """Visits the user may see, newest first, filtered by project, visitor, branch, date, stance.

    A cadre's villages are read first (one query) and named in the list's query, so that it
    is read along ``visit_village_date_idx``, each village's visits newest first (several
    villages merged; the page's ids first, then its rows: ``PageByIds``). With the villages
    in a subquery, a cadre's list by project walked the project's visits newest first until
    fifty were in the cadre's village, in proportion to the villages the project spans, and
    the unfiltered list walked the whole district's (docs/PERFORMANCE.md, seventh session).

    Decision, by measurement: the village copied onto the visit (``Visit.village``, one more
    index written per visit), rather than a query reading the cadre's cases first, whose plan
    PostgreSQL misjudged at district scale (a hash join over every visit: 2 s).
    """
    villages = read_village_ids(request.user)
    visits = (
        Visit.objects.visible_to(request.user, village_ids=villages)
        .select_related("case__household", "project", "branch", "recorded_by")
        .with_visitors()
    )

    def arrange(rows):
        if villages is None:  # township-wide: along the project's or the date's index
            return rows
        return PageByIds(
            rows, village_ids=villages, date_field="visited_on", village_field="village_id"
        )

    return filtered_list(
        request, VisitFilter, visits, "-visited_on", "cases/visit_list.html", arrange
    )


@login_required
@require_GET
def household_detail(request, pk):
    """A household, its members, its cases in every project, its visits and its ballots."""
    household = get_for_user(
        Household.objects.select_related("cooperative__village"), request.user, pk=pk
    )
    cases = (
        Case.objects.visible_to(request.user)
        .filter(household=household)
        .select_related("project")
        .order_by("-project__started_on", "project__name")
    )
    visits = (
        Visit.objects.visible_to(request.user)
        .filter(case__household=household)
        .select_related("project", "branch", "recorded_by")
        .with_visitors()
    )
    ballots = (
        Ballot.objects.visible_to(request.user)
        .filter(voter__household=household)
        .select_related("vote", "voter")
        .order_by("-vote__opens_on", "voter__name")
    )
    return render(
        request,
        "cases/household_detail.html",
        {
            "household": household,
            "members": household.members.all(),
            "cases": cases,
            "visits": visits,
            "ballots": ballots,
            "history_rows": audit.household_history(household, request.user),
        },
    )


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request, pk):
    """Log a visit to a case's household; a re-sent form (same client_id) stores it once.

    A post goes first to the fast path (``_visit_post_quick``), then, if that cannot decide, to
    the form (``_visit_form``), which checks the permission and the scope as every page does.
    """
    if request.method == "POST":
        response = _visit_post_quick(request, pk)
        if response is not None:
            return response
    return _visit_form(request, pk)


def _visit_saved_message(request, created: bool, household, client_id) -> None:
    """The confirmation, tagged ``visit-saved`` and with the form's ``client_id``: the page it
    is shown on removes that visit's draft from the phone (static/js/visit-drafts.js)."""
    tags = f"visit-saved {client_id}"
    if created:
        text = _("Visit to %(household)s saved.") % {"household": household}
        messages.success(request, text, extra_tags=tags)
    else:
        text = _("This visit to %(household)s had already been saved; it is stored once.") % {
            "household": household
        }
        messages.info(request, text, extra_tags=tags)


def _visit_post_quick(request, pk):
    """The common post, a visit its recorder made alone and that is valid, stored in two
    statements that also check the right to log it and to see the case
    (``services.visit_record_as``, PostgreSQL). ``None`` for everything else (other visitors
    ticked, an invalid form, no right, no such case, SQLite): the form handles it."""
    user = request.user
    if not services.visit_record_as_available():
        return None
    if any(v != str(user.pk) for v in request.POST.getlist("visitors")):
        return None
    form = VisitFieldsForm(request.POST)
    if not form.is_valid():
        return None
    try:
        saved = services.visit_record_as(user=user, case_id=pk, **form.cleaned_data)
    except ValidationError:
        return None
    if saved is None:
        return None
    _visit_saved_message(
        request, saved.created, saved.household_label, form.cleaned_data["client_id"]
    )
    return redirect(_safe_next(request, reverse("household_detail", args=[saved.household_id])))


@permission_required("cases.add_visit", raise_exception=True)
def _visit_form(request, pk):
    case = get_for_user(
        Case.objects.select_related("project", "household__cooperative__village"),
        request.user,
        pk=pk,
    )
    back = _safe_next(request, reverse("household_detail", args=[case.household_id]))
    form = VisitForm(request.POST or None, case=case, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _visit, created = services.visit_record(
                case=case,
                recorded_by=request.user,
                visited_on=data["visited_on"],
                visitors=data["visitors"],
                place=data["place"],
                stance=data["stance"],
                concerns=data["concerns"],
                notes=data["notes"],
                next_follow_up_on=data["next_follow_up_on"],
                client_id=data["client_id"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            _visit_saved_message(request, created, case.household, data["client_id"])
            return redirect(back)
    return render(request, "cases/visit_form.html", {"form": form, "case": case, "next": back})


@login_required
@require_http_methods(["GET", "POST"])
def visit_correct(request, pk):
    """Correct a stored visit (``services.visit_correct``) on the visit form's fields, filled
    in with what it says, then go back to the household page or a safe ``next``.

    Out of the user's scope is 404 before anything else, as for the case steps; then showing
    and sending the form need ``cases.change_visit`` (403: leaders read only).
    """
    visit = get_for_user(
        Visit.objects.select_related(
            "case__project", "case__household__cooperative__village", "recorded_by"
        ),
        request.user,
        pk=pk,
    )
    if not request.user.has_perm("cases.change_visit"):
        raise PermissionDenied
    case = visit.case
    back = _safe_next(request, reverse("household_detail", args=[case.household_id]))
    form = VisitCorrectForm(request.POST or None, visit=visit)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_correct(visit=visit, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            text = _("Visit to %(household)s of %(date)s corrected.") % {
                "household": case.household,
                "date": form.cleaned_data["visited_on"].isoformat(),
            }
            messages.success(request, text)
            return redirect(back)
    return render(
        request,
        "cases/visit_correct.html",
        {"form": form, "case": case, "visit": visit, "next": back},
    )


@dataclass(frozen=True)
class CaseStep:
    """A step of the case pipeline recorded from the household page: its form, the service
    that records it, and what the page and the confirmation say."""

    form_class: type[forms.Form]
    record: Callable[[Case, dict], object]
    date_field: str
    title: str
    submit: str
    done: str  # %(household)s, %(date)s


CASE_STEPS = {
    "sign": CaseStep(
        CaseSignForm,
        lambda case, data: services.case_sign(
            case=case,
            signed_on=data["agreement_signed_on"],
            compensation_yuan=data["compensation_yuan"],
        ),
        "agreement_signed_on",
        gettext_lazy("Record signed agreement"),
        gettext_lazy("Save the agreement"),
        gettext_lazy("Agreement of %(household)s recorded (signed on %(date)s)."),
    ),
    "complete": CaseStep(
        CaseCompleteForm,
        lambda case, data: services.case_complete(case=case, completed_on=data["completed_on"]),
        "completed_on",
        gettext_lazy("Record completion"),
        gettext_lazy("Save the completion"),
        gettext_lazy("Completion of %(household)s recorded (completed on %(date)s)."),
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def case_step(request, pk, step):
    """Record a case's signed agreement (``step`` "sign") or its completion ("complete")
    through its service, then go back to the household page or a safe ``next``.

    Out of the user's scope is 404 before anything else (a 403 would confirm the case
    exists); then both showing and sending the form need ``cases.change_case`` (403).
    """
    step = CASE_STEPS[step]
    case = get_for_user(
        Case.objects.select_related("project", "household__cooperative__village"),
        request.user,
        pk=pk,
    )
    if not request.user.has_perm("cases.change_case"):
        raise PermissionDenied
    back = _safe_next(request, reverse("household_detail", args=[case.household_id]))
    form = step.form_class(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            step.record(case, form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            on = form.cleaned_data[step.date_field]
            messages.success(
                request, str(step.done) % {"household": case.household, "date": on.isoformat()}
            )
            return redirect(back)
    return render(
        request,
        "cases/case_step_form.html",
        {"form": form, "case": case, "step": step, "next": back},
    )
