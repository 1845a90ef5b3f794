"""Writes that change state, one module per topic, re-exported here: keyword-only, typed,
atomic. Views, the admin and commands call these, never ``save()`` with rules of their own.
The roster import lives in ``cases.importing`` (one service for the command and the admin)."""

from ..importing import households_import, import_job_confirm, import_job_start
from .casework import case_complete, case_refresh_visits, case_sign, visit_record
from .procedures import (
    project_lay_out_stages,
    stage_check_done,
    stage_evidence_add,
    stage_mark_done,
)

__all__ = [
    "case_complete",
    "case_refresh_visits",
    "case_sign",
    "project_lay_out_stages",
    "stage_check_done",
    "stage_evidence_add",
    "stage_mark_done",
    "households_import",
    "import_job_confirm",
    "import_job_start",
    "visit_record",
]
