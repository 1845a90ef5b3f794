"""Views, one module per topic; each reads through ``visible_to(request.user)``."""

from .core import healthz, home
from .votes import (
    ballot_detail,
    ballot_sheet,
    meeting_list,
    meeting_new,
    vote_detail,
    vote_list,
    vote_new,
    vote_notice,
    vote_transition,
)

__all__ = [
    "ballot_detail",
    "ballot_sheet",
    "healthz",
    "home",
    "meeting_list",
    "meeting_new",
    "vote_detail",
    "vote_list",
    "vote_new",
    "vote_notice",
    "vote_transition",
]
