"""Writes that change state, one module per topic, re-exported here: keyword-only, typed,
atomic. Views, the admin and commands call these, never ``save()`` with rules of their own.
The roster import lives in ``cases.importing`` (one service for the command and the admin)."""

from ..importing import (
    households_import as households_import,
    import_job_confirm as import_job_confirm,
    import_job_start as import_job_start,
)
from .casework import (
    VisitSaved as VisitSaved,
    case_apply_visits as case_apply_visits,
    case_check_dates as case_check_dates,
    case_check_sign as case_check_sign,
    case_complete as case_complete,
    case_refresh_visits as case_refresh_visits,
    case_sign as case_sign,
    visit_check_concerns as visit_check_concerns,
    visit_check_dates as visit_check_dates,
    visit_check_visitors as visit_check_visitors,
    visit_correct as visit_correct,
    visit_places as visit_places,
    visit_possible_visitors as visit_possible_visitors,
    visit_record as visit_record,
    visit_record_as as visit_record_as,
    visit_record_as_available as visit_record_as_available,
    visits_follow_cases as visits_follow_cases,
)
from .meetings import meeting_record as meeting_record
from .procedures import (
    calendar_check_notice as calendar_check_notice,
    calendar_enter_notice as calendar_enter_notice,
    project_lay_out_stages as project_lay_out_stages,
    stage_check_done as stage_check_done,
    stage_evidence_add as stage_evidence_add,
    stage_mark_done as stage_mark_done,
)
from .projects import (
    Enrolment as Enrolment,
    project_cooperatives as project_cooperatives,
    project_enrol_households as project_enrol_households,
    projects_covering as projects_covering,
)
from .security import personal_number_reveal as personal_number_reveal
from .votes import (
    BallotEntry as BallotEntry,
    SheetResult as SheetResult,
    ballot_cast as ballot_cast,
    ballot_cast_many as ballot_cast_many,
    ballot_check as ballot_check,
    ballot_correct as ballot_correct,
    vote_certify as vote_certify,
    vote_check as vote_check,
    vote_close as vote_close,
    vote_create as vote_create,
    vote_open as vote_open,
    vote_update as vote_update,
)
