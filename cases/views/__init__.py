"""Views, one module per topic; each reads through ``visible_to(request.user)``."""

from .core import healthz, home

__all__ = ["healthz", "home"]
