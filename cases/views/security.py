"""The deliberate reveal of a whole ID or phone number (POST only, logged)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .. import services
from ..access import client_ip, get_for_user
from ..models import Household, Member
from ..services.security import REVEALABLE


def _reveal(request, model, pk):
    # Scope first: out of scope is 404 for everyone, with or without the permission.
    subject = get_for_user(model, request.user, pk=pk)
    field = request.POST.get("field", "")
    if field not in REVEALABLE[model]:
        return HttpResponseBadRequest(_("Unknown field."))
    try:
        value = services.personal_number_reveal(
            user=request.user, subject=subject, field=field, ip_address=client_ip(request)
        )
    except PermissionDenied:
        return JsonResponse({"error": _("You may not see whole numbers.")}, status=403)
    return JsonResponse({"field": field, "value": value})


@never_cache
@login_required
@require_POST
def household_reveal(request, pk):
    return _reveal(request, Household, pk)


@never_cache
@login_required
@require_POST
def member_reveal(request, pk):
    return _reveal(request, Member, pk)


def csrf_failure(request, reason=""):
    """A refused form post (``CSRF_FAILURE_VIEW``), said in the user's language instead of
    Django's technical page: most often a form left open across a log-out and log-in, whose
    token is no longer valid. A visit typed into it is still kept on the device
    (static/js/visit-drafts.js), and the page says how to send it again."""
    return render(request, "403_csrf.html", {"reason": reason}, status=403)
