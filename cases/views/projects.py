from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import dashboards
from ..access import get_for_user
from ..models import Project


@login_required
@require_GET
def project_dashboard(request, pk):
    """One project's figures, charts, stages, cases needing attention and votes."""
    project = get_for_user(Project, request.user, pk=pk)
    dashboard = dashboards.project_dashboard(project, request.user, timezone.localdate())
    return render(request, "cases/project_dashboard.html", {"d": dashboard, "project": project})
