from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import dashboards, procedures
from ..access import get_for_user
from ..filters import PROJECT_COLUMNS, ProjectFilter
from ..models import Project
from .casework import list_page

#: Columns sorted smallest first on the first click (the others, figures, largest first).
ASCENDING_FIRST = {"name", "next_due"}


@login_required
@require_GET
def project_list(request):
    """Every project the user may see, one row each with its figures in the user's scope and
    its procedure's state; filtered, sorted by any figure, 50 a page."""
    filterset = ProjectFilter(
        request.GET, queryset=Project.objects.visible_to(request.user), request=request
    )
    ordering = filterset.chosen_ordering()
    rows = dashboards.project_list(request.user, filterset.qs, timezone.localdate(), ordering)
    return render(
        request,
        "cases/project_list.html",
        {
            "filter": filterset,
            "columns": _columns(request, ordering),
            "labels": PROJECT_COLUMNS,
            "deadline_days": procedures.DEADLINE_SOON_DAYS,
            "as_of": rows[0].as_of if rows else None,
            **list_page(request, rows),
        },
    )


def _columns(request, ordering: list[str]) -> list[dict]:
    """The table's headers, one per sortable column: each links to the list sorted by it
    (the other way when it is sorted by it already) and says how it is sorted (``aria-sort``)."""
    current = ordering[0] if ordering else ""
    columns = []
    for key, label in PROJECT_COLUMNS.items():
        sort = None
        if current == key:
            param, sort = f"-{key}", "ascending"
        elif current == f"-{key}":
            param, sort = key, "descending"
        else:
            param = key if key in ASCENDING_FIRST else f"-{key}"
        query = request.GET.copy()
        query.pop("page", None)
        query["ordering"] = param
        columns.append(
            {
                "key": key,
                "label": label,
                "num": key not in ASCENDING_FIRST,
                "sort": sort,
                "href": f"?{query.urlencode()}",
            }
        )
    return columns


@login_required
@require_GET
def project_dashboard(request, pk):
    """One project's figures, charts, stages, cases needing attention and votes."""
    project = get_for_user(Project, request.user, pk=pk)
    dashboard = dashboards.project_dashboard(project, request.user, timezone.localdate())
    return render(request, "cases/project_dashboard.html", {"d": dashboard, "project": project})
