"""Writes that change state, one module per topic, re-exported here: keyword-only, typed,
atomic. Views, the admin and commands call these, never ``save()`` with rules of their own."""

from .casework import case_complete, case_refresh_visits, case_sign, visit_record
from .security import personal_number_reveal

__all__ = [
    "case_complete",
    "case_refresh_visits",
    "case_sign",
    "personal_number_reveal",
    "visit_record",
]
