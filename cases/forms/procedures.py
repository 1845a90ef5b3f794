from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .. import services
from ..holiday_notice import NoticeError, parse_notice
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


class HolidayNoticeForm(forms.Form):
    """A year's holiday notice, pasted; ``clean`` reads and checks it (``holiday_notice``,
    ``services.calendar_check_notice``) and leaves ``notice`` and ``adjustments``."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    text = forms.CharField(
        label=_("The notice's arrangement"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 14, "cols": 80}),
        help_text=_(
            "Paste the State Council's notice (国务院办公厅关于部分节假日安排的通知) as "
            "published, e.g. “二、春节：2月15日（周日）至23日（周一）放假调休，共9天。"
            "2月14日（周六）、2月28日（周六）上班。”, or type one holiday a line with its "
            "dates (2027-01-01 至 2027-01-03 放假)."
        ),
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.notice = parse_notice(data["text"], data["year"])
            self.adjustments = services.calendar_check_notice(self.notice)
        except NoticeError as exc:
            raise ValidationError(exc.messages) from None
        return data
