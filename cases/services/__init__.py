"""Writes that change state, one module per topic, re-exported here: keyword-only, typed,
atomic. Views, the admin and commands call these, never ``save()`` with rules of their own."""

from .casework import case_complete, case_refresh_visits, case_sign, visit_record
from .meetings import meeting_record
from .votes import (
    BallotEntry,
    SheetResult,
    ballot_cast,
    ballot_cast_many,
    ballot_check,
    ballot_correct,
    vote_certify,
    vote_close,
    vote_create,
    vote_open,
    vote_update,
)

__all__ = [
    "BallotEntry",
    "SheetResult",
    "ballot_cast",
    "ballot_check",
    "ballot_cast_many",
    "ballot_correct",
    "case_complete",
    "case_refresh_visits",
    "case_sign",
    "meeting_record",
    "visit_record",
    "vote_certify",
    "vote_close",
    "vote_create",
    "vote_open",
    "vote_update",
]
