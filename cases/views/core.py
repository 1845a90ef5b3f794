from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..models import Project
from ..procedures import procedure_alerts


@require_GET
@never_cache
def healthz(request):
    """200 when the database answers a query, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@login_required
def home(request):
    projects = list(Project.objects.visible_to(request.user).order_by("-started_on", "name"))
    alerts = procedure_alerts(
        [p for p in projects if p.status != Project.Status.COMPLETED], timezone.localdate()
    )
    return render(request, "cases/home.html", {"projects": projects, "procedure_alerts": alerts})
