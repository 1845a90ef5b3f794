from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .. import dashboards
from ..models import Project
from ..models.scoping import sees_all_villages
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
@require_GET
def home(request):
    """Every project the user may see, with its progress, stances, open votes and follow-ups,
    and the statutory deadlines about to pass."""
    today = timezone.localdate()
    summaries = dashboards.home_summaries(request.user, today)
    active = [s for s in summaries if s.project.status != Project.Status.COMPLETED]
    counts = None
    if sees_all_villages(request.user):
        # Figures of every village are the whole project's: the hearing rule's counts are in
        # them, and a second scan of every case is not needed. A cadre's are not (one query).
        counts = {s.project.pk: s.figures.case_counts() for s in active}
    alerts = procedure_alerts([s.project for s in active], today, counts)
    follow_ups = None
    if request.user.has_perm("cases.add_visit"):  # those who go visiting; leaders do not
        follow_ups = dashboards.follow_ups_of(request.user, today)
    return render(
        request,
        "cases/home.html",
        {
            "summaries": summaries,
            "today": today,
            "procedure_alerts": alerts,
            "follow_ups": follow_ups,
        },
    )
