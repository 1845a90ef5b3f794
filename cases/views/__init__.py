"""Views, one module per topic; each reads through ``visible_to(request.user)``.

Re-exported here (``name as name`` marks a deliberate re-export).
"""

from .casework import (
    case_list as case_list,
    case_step as case_step,
    household_detail as household_detail,
    visit_correct as visit_correct,
    visit_list as visit_list,
    visit_new as visit_new,
)
from .core import healthz as healthz, home as home
from .exports import export as export
from .procedures import (
    evidence_file as evidence_file,
    project_procedure as project_procedure,
    stage_evidence_upload as stage_evidence_upload,
    stage_mark_done as stage_mark_done,
)
from .projects import project_dashboard as project_dashboard, project_list as project_list
from .security import (
    csrf_failure as csrf_failure,
    household_reveal as household_reveal,
    member_reveal as member_reveal,
)
from .votes import (
    ballot_detail as ballot_detail,
    ballot_sheet as ballot_sheet,
    meeting_list as meeting_list,
    meeting_new as meeting_new,
    vote_detail as vote_detail,
    vote_list as vote_list,
    vote_new as vote_new,
    vote_notice as vote_notice,
    vote_transition as vote_transition,
)
