"""Views, one module per topic; each reads through ``visible_to(request.user)``."""

from .core import healthz, home
from .security import household_reveal, member_reveal

__all__ = ["healthz", "home", "household_reveal", "member_reveal"]
