"""Views, one module per topic; each reads through ``visible_to(request.user)``."""

from .casework import case_list, household_detail, visit_list, visit_new
from .core import healthz, home
from .projects import project_dashboard

__all__ = [
    "case_list",
    "healthz",
    "home",
    "household_detail",
    "project_dashboard",
    "visit_list",
    "visit_new",
]
