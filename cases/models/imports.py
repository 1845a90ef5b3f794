import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_lazy as _, ngettext


def new_upload_token() -> str:
    return secrets.token_urlsafe(24)


class ImportJob(models.Model):
    """One roster upload in the admin (households, or their members): checked in the
    background, then imported on confirm.

    The file itself is kept outside the database, under MEDIA_ROOT/imports/<token>.upload
    (private: MEDIA_ROOT is never served as static files), and deleted once imported.
    """

    class Kind(models.TextChoices):
        HOUSEHOLDS = "households", _("household roster")
        MEMBERS = "members", _("member roster")

    class Status(models.TextChoices):
        CHECKING = "checking", _("checking")
        CHECKED = "checked", _("checked")
        IMPORTING = "importing", _("importing")
        DONE = "done", _("imported")
        FAILED = "failed", _("failed")
        # Left waiting longer than IMPORT_UPLOAD_HOURS: the upload and what it quoted deleted
        # (importing.import_jobs_expire); its message says what the check had found.
        EXPIRED = "expired", _("expired")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="import_jobs",
        verbose_name=_("user"),
    )
    kind = models.CharField(
        _("kind of roster"), max_length=10, choices=Kind.choices, default=Kind.HOUSEHOLDS
    )
    filename = models.CharField(_("file name"), max_length=200)
    token = models.CharField(max_length=40, unique=True, default=new_upload_token, editable=False)
    encoding = models.CharField(_("encoding"), max_length=30, blank=True)
    fill_down = models.BooleanField(_("fill down merged cells"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CHECKING
    )
    total = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    # [[line, column, message], …], the first MAX_STORED_ERRORS; [{column: value}, …] for preview.
    errors = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    started_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-started_at"]

    def __str__(self):
        return self.filename

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING)

    @property
    def changes_nothing(self) -> bool:
        """Checked without errors, and every row is recorded as the file has it (the same file
        uploaded again): there is nothing to import."""
        return (
            self.status == self.Status.CHECKED
            and not self.error_count
            and not self.created
            and not self.updated
        )

    @property
    def status_in_words(self) -> str:
        """The status, and for a checked file what it still needs: the list of recent imports
        said "checked" alike of a file waiting for "Import", one with errors and one with
        nothing to import."""
        if self.status != self.Status.CHECKED:
            return self.get_status_display()
        if self.error_count:
            return ngettext(
                "checked: %(errors)d error, not importable",
                "checked: %(errors)d errors, not importable",
                self.error_count,
            ) % {"errors": self.error_count}
        if self.changes_nothing:
            return gettext("checked: nothing to import")
        return gettext("checked, not imported yet: open it and press “Import”")
