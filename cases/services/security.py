from django.core.exceptions import PermissionDenied
from django.db import transaction

from ..access import may_see_personal_numbers
from ..models import Household, Member, RevealLog

#: The personal-number fields each model may reveal.
REVEALABLE = {
    Household: (RevealLog.Field.HEAD_ID_NUMBER, RevealLog.Field.PHONE),
    Member: (RevealLog.Field.ID_NUMBER, RevealLog.Field.PHONE),
}


@transaction.atomic
def personal_number_reveal(
    *, user, subject: Household | Member, field: str, ip_address: str | None
) -> str:
    """The whole number in ``field`` of ``subject``, logged as a RevealLog row.

    The caller has checked that ``subject`` is in the user's scope; this checks the permission
    (``cases.view_personal_numbers``) and the field, so no path reveals without a log row.
    """
    if not may_see_personal_numbers(user):
        raise PermissionDenied
    if field not in REVEALABLE[type(subject)]:
        raise ValueError(f"{field!r} is not a personal number of a {type(subject).__name__}")
    household = subject if isinstance(subject, Household) else subject.household
    RevealLog.objects.create(
        user=user,
        household=household,
        member=subject if isinstance(subject, Member) else None,
        subject=getattr(subject, "head_name", None) or subject.name,
        field=field,
        ip_address=ip_address,
    )
    return getattr(subject, field)
