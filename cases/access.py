"""Who may see whole personal numbers, and the fetch-for-user helper every view uses."""

from django.http import Http404

from .validators import mask_id_number, mask_phone

PERSONAL_NUMBERS_PERM = "cases.view_personal_numbers"


def may_see_personal_numbers(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(PERSONAL_NUMBERS_PERM))


def id_number_for(user, value: str) -> str:
    """The ID number as this user may see it: whole with the permission, masked otherwise."""
    return value if may_see_personal_numbers(user) else mask_id_number(value)


def phone_for(user, value: str) -> str:
    return value if may_see_personal_numbers(user) else mask_phone(value)


def get_for_user(queryset_or_model, user, **lookup):
    """The object if it exists AND the user may see it; otherwise 404 (never 403: a 403 would
    confirm that a household of another village exists)."""
    manager = getattr(queryset_or_model, "objects", queryset_or_model)
    try:
        return manager.visible_to(user).get(**lookup)
    except manager.model.DoesNotExist as exc:
        raise Http404 from exc


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind ``TRUSTED_PROXY_COUNT`` reverse proxies the
    address the outermost one saw (X-Forwarded-For entries further left can be forged)."""
    from django.conf import settings

    count = settings.TRUSTED_PROXY_COUNT
    if count:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR") or None
