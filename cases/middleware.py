"""Two small middlewares: the Content-Security-Policy header and the absolute session lifetime.

Why not django-csp: one fixed policy for the whole site is one header; a dependency would bring
nonces and per-view decorators that the no-inline rule makes unnecessary.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.utils.translation import gettext as _

#: Session key holding the log-in time (seconds since the epoch).
LOGIN_AT = "landreform_login_at"


class ContentSecurityPolicyMiddleware:
    """Adds ``settings.CONTENT_SECURITY_POLICY`` to every response that does not set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if policy:
            response.headers.setdefault("Content-Security-Policy", policy)
        return response


RENEWED_AT = "_renewed_at"


@receiver(user_logged_in, dispatch_uid="cases.middleware.remember_login_time")
def remember_login_time(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT] = request.session[RENEWED_AT] = int(time.time())


class AbsoluteSessionLifetimeMiddleware:
    """Logs a user out ``SESSION_ABSOLUTE_LIFETIME`` seconds after they logged in, however busy
    the session was (the idle timeout alone would let an active session live for ever).

    It also renews the idle timeout (``SESSION_COOKIE_AGE``): the session is saved, and so its
    expiry pushed back, at most once every ``SESSION_RENEW_SECONDS`` rather than on every
    request (``SESSION_SAVE_EVERY_REQUEST`` would cost three queries per page). A session thus
    ends after between ``SESSION_COOKIE_AGE - SESSION_RENEW_SECONDS`` and ``SESSION_COOKIE_AGE``
    seconds of inactivity.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            login_at = request.session.setdefault(LOGIN_AT, now)
            if now - login_at > settings.SESSION_ABSOLUTE_LIFETIME:
                logout(request)
                messages.info(request, _("Your session has ended. Please log in again."))
                return redirect_to_login(request.get_full_path())
            if now - request.session.get(RENEWED_AT, 0) >= settings.SESSION_RENEW_SECONDS:
                request.session[RENEWED_AT] = now  # modified: saved with a new expiry
        return self.get_response(request)
