from django import forms
from django.utils.translation import gettext_lazy as _

from .casework import DateInput


class StageDoneForm(forms.Form):
    """Mark a stage done; the rules (minimum periods, reasons) are in the service."""

    started_on = forms.DateField(
        label=_("Started (notice posted)"), required=False, widget=DateInput
    )
    done_on = forms.DateField(label=_("Done on"), widget=DateInput)
    reason = forms.CharField(
        label=_("Reason, if done before its legal minimum"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class EvidenceUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Photo or PDF of the posted notice"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )
