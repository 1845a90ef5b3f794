"""Forms, one module per topic; they bind and clean input, the services keep the rules."""

from .casework import (
    CaseCompleteForm as CaseCompleteForm,
    CaseSignForm as CaseSignForm,
    DateInput as DateInput,
    VisitCorrectForm as VisitCorrectForm,
    VisitFieldsForm as VisitFieldsForm,
    VisitForm as VisitForm,
)
from .procedures import (
    EvidenceUploadForm as EvidenceUploadForm,
    HolidayNoticeForm as HolidayNoticeForm,
    StageDoneForm as StageDoneForm,
)
from .votes import (
    BallotCorrectionForm as BallotCorrectionForm,
    MeetingForm as MeetingForm,
    SheetForm as SheetForm,
    VoteForm as VoteForm,
)
