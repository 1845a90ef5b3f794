"""The domain model, split by topic; import from ``cases.models``."""

from .audit import RevealLog
from .casework import (
    CLOSED_STATUSES,
    MIN_VISITS_FOR_OPPOSED,
    STATUS_FOR_STANCE,
    UNDECIDED_STALE_DAYS,
    VISIT_HISTORY,
    Case,
    Stance,
    Visit,
)
from .geo import Cooperative, PartyBranch, StaffProfile, Township, Village
from .households import Household, Member
from .imports import ImportJob
from .periods import Condition, PeriodKind, Requirement
from .procedures import ProcedureTemplate, StageEvidence, TemplateStep, WorkdayOverride
from .projects import Meeting, Project, Stage
from .scoping import read_village_ids, sees_all_villages, visible_village_ids
from .votes import Ballot, Vote, Voter

__all__ = [
    "CLOSED_STATUSES",
    "MIN_VISITS_FOR_OPPOSED",
    "STATUS_FOR_STANCE",
    "UNDECIDED_STALE_DAYS",
    "VISIT_HISTORY",
    "Ballot",
    "Case",
    "Condition",
    "Cooperative",
    "Household",
    "ImportJob",
    "Meeting",
    "Member",
    "PartyBranch",
    "PeriodKind",
    "ProcedureTemplate",
    "Project",
    "Requirement",
    "RevealLog",
    "Stage",
    "StageEvidence",
    "Stance",
    "StaffProfile",
    "TemplateStep",
    "Township",
    "Village",
    "Visit",
    "Vote",
    "Voter",
    "WorkdayOverride",
    "read_village_ids",
    "sees_all_villages",
    "visible_village_ids",
]
