"""Forms, one module per topic, re-exported here."""

from .procedures import EvidenceUploadForm, StageDoneForm

__all__ = ["EvidenceUploadForm", "StageDoneForm"]
