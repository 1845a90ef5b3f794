"""Views, one module per topic; each reads through ``visible_to(request.user)``."""

from .core import healthz, home
from .exports import export

__all__ = ["export", "healthz", "home"]
