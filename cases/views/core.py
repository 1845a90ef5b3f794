from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .. import dashboards
from ..procedures import calendar_to_enter, procedure_alerts


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
    """The projects the user may see (the most recently active ones when there are more than
    ``dashboards.HOME_CARDS``), with their progress, stances, open votes and follow-ups, and
    the statutory deadlines about to pass."""
    today = timezone.localdate()
    summaries = dashboards.home_summaries(request.user, today)
    active = dashboards.unfinished(summaries)
    counts = dashboards.whole_project_counts(request.user, active)
    alerts = procedure_alerts([s.project for s in active], today, counts)
    follow_ups = None
    if request.user.has_perm("cases.add_visit"):  # those who go visiting; leaders do not
        follow_ups = dashboards.follow_ups_of(request.user, today)
    calendar_year = None
    if request.user.has_perms(["cases.add_workdayoverride", "cases.delete_workdayoverride"]):
        calendar_year = calendar_to_enter(today)  # those who may enter it are reminded
    return render(
        request,
        "cases/home.html",
        {
            "summaries": dashboards.home_cards(summaries),
            "as_of": summaries[0].as_of if summaries else None,
            "project_count": len(summaries),
            "today": today,
            "procedure_alerts": alerts,
            "follow_ups": follow_ups,
            "calendar_year": calendar_year,
        },
    )
