"""Forms, one module per topic; they bind and clean input, the services keep the rules."""

from .votes import BallotCorrectionForm, MeetingForm, SheetForm, VoteForm

__all__ = ["BallotCorrectionForm", "MeetingForm", "SheetForm", "VoteForm"]
