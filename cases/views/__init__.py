"""Views, one module per topic; each reads through ``visible_to(request.user)``."""

from .core import healthz, home
from .procedures import evidence_file, project_procedure, stage_evidence_upload, stage_mark_done

__all__ = [
    "evidence_file",
    "healthz",
    "home",
    "project_procedure",
    "stage_evidence_upload",
    "stage_mark_done",
]
