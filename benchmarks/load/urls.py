"""Two reference points between ``/healthz`` and the visit form, measured under the same load:

- ``/bench/noop/``: a logged-in POST that passes the CSRF check and reads one field; the cost
  of any authenticated form post before it does anything;
- ``/bench/insert/``: the same plus one durable write: a one-row INSERT into
  ``bench_load_rows`` (created and dropped by the benchmark) in a transaction, committed.

They tell how much of the visit form's cost any authenticated durable write pays.
"""

from django.contrib.auth.decorators import login_required
from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST

from landreform.urls import urlpatterns as app_urlpatterns

TABLE = "bench_load_rows"


@login_required
@require_POST
def noop(request):
    request.POST.get("client_id")
    return HttpResponse("ok\n", content_type="text/plain")


@login_required
@require_POST
def insert(request):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (client_id) VALUES (%s)", [request.POST.get("client_id")]
        )
    return HttpResponse("ok\n", content_type="text/plain")


urlpatterns = [path("bench/noop/", noop), path("bench/insert/", insert), *app_urlpatterns]
