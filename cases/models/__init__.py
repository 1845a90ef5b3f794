"""The domain model, split by topic; import from ``cases.models``."""

from .audit import RevealLog
from .casework import MIN_VISITS_FOR_OPPOSED, UNDECIDED_STALE_DAYS, Case, Stance, Visit
from .geo import Cooperative, PartyBranch, StaffProfile, Township, Village
from .households import Household, Member
from .projects import Meeting, Project, Stage
from .scoping import sees_all_villages, visible_village_ids
from .votes import Ballot, Vote, Voter

__all__ = [
    "MIN_VISITS_FOR_OPPOSED",
    "UNDECIDED_STALE_DAYS",
    "Ballot",
    "Case",
    "Cooperative",
    "Household",
    "Meeting",
    "Member",
    "PartyBranch",
    "Project",
    "RevealLog",
    "Stage",
    "Stance",
    "StaffProfile",
    "Township",
    "Village",
    "Visit",
    "Vote",
    "Voter",
    "sees_all_villages",
    "visible_village_ids",
]
