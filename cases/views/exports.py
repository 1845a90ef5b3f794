"""CSV and XLSX downloads of the case, visit, household, project and vote lists
(``cases.exporting``)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..exporting import EXPORTS, ExportFilterError, csv_chunks, xlsx_file

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_GET
def export(request, kind: str, fmt: str):
    """``/exports/<kind>.<csv|xlsx>?village=…&q=…``: the rows this user sees, filtered by the
    list page's own FilterSet (cases, visits, projects) or the same GET parameters
    (households, votes), with personal numbers masked unless permitted; invalid filters are a
    400, never ignored."""
    if kind not in EXPORTS or fmt not in ("csv", "xlsx"):
        raise Http404
    queryset_for, table_for, permission = EXPORTS[kind]
    if not request.user.has_perm(permission):
        raise PermissionDenied
    try:
        queryset = queryset_for(request)
    except ExportFilterError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    table = table_for(queryset, request.user)
    filename = f"{table.name}-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(csv_chunks(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return FileResponse(xlsx_file(table), as_attachment=True, filename=filename, content_type=XLSX)
