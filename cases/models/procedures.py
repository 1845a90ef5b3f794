"""Procedures as data: templates of statutory steps, the township's working-day adjustments,
and the evidence (photos, PDFs of posted notices) kept for each stage of a project.

A stage (``projects.Stage``) is laid out from a ``TemplateStep`` and keeps a snapshot of the
step's period, so that editing a template changes the next project's layout, never a project
already under way.
"""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .periods import Condition, PeriodKind, Requirement, StatutoryPeriod
from .projects import Project


class ProcedureTemplate(models.Model):
    """程序模板: the ordered steps a kind of project follows; the township edits it in the admin."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    project_kind = models.CharField(_("project kind"), max_length=30, choices=Project.Kind.choices)
    is_default = models.BooleanField(
        _("default for this kind"),
        default=False,
        help_text=_("New projects of this kind are laid out from the default template."),
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("procedure template")
        verbose_name_plural = _("procedure templates")
        ordering = ["project_kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project_kind"],
                condition=models.Q(is_default=True),
                name="proceduretemplate_one_default_per_kind",
            ),
        ]

    def __str__(self):
        return self.name


class TemplateStep(StatutoryPeriod):
    template = models.ForeignKey(
        ProcedureTemplate,
        on_delete=models.CASCADE,
        related_name="steps",
        verbose_name=_("template"),
    )
    order = models.PositiveSmallIntegerField(_("order"))
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=160, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    depends_on = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="dependents",
        verbose_name=_("depends on"),
        help_text=_("Leave empty to follow the previous step."),
    )

    class Meta(StatutoryPeriod.Meta):
        verbose_name = _("template step")
        verbose_name_plural = _("template steps")
        ordering = ["template", "order"]
        constraints = [
            *StatutoryPeriod.Meta.constraints,
            models.UniqueConstraint(fields=["template", "order"], name="templatestep_unique_order"),
        ]

    def __str__(self):
        return f"{self.order}. {self.name_zh}"


class WorkdayOverride(models.Model):
    """工作日调整: the State Council's holidays and make-up days for a year the library lacks.

    Once a year has at least one entry it counts as entered: its other dates follow Monday to
    Friday. Enter every holiday and make-up day of the year's notice at once.
    """

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(
        _("working day"), help_text=_("Ticked: a make-up working day. Unticked: a holiday.")
    )
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("working-day adjustment")
        verbose_name_plural = _("Working-day adjustments")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.note}"


class StageEvidenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Evidence follows its stage's project."""
        return self.filter(stage__project__in=Project.objects.visible_to(user).values("pk"))


def evidence_path(instance: "StageEvidence", filename: str) -> str:
    """evidence/<project>/<random>.<ext>: the client's file name never reaches the disk."""
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"evidence/{instance.stage.project_id}/{uuid.uuid4().hex}{suffix}"


class StageEvidence(models.Model):
    """A photo or PDF of a posted notice (广东省土地管理条例 art. 27 asks for photo records).

    Stored under MEDIA_ROOT (outside the static path) and served only by a scoped view.
    ``content_type`` is what the file's first bytes say, not what the browser claimed.
    """

    #: PROTECT: evidence is never deleted (the admin shows it read-only); deleting its stage,
    #: or the project, would otherwise take the record of a posted notice with it.
    stage = models.ForeignKey(
        "cases.Stage", on_delete=models.PROTECT, related_name="evidence", verbose_name=_("stage")
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = StageEvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("stage evidence")
        verbose_name_plural = _("stage evidence")
        ordering = ["stage", "uploaded_at"]

    def __str__(self):
        return self.original_name


__all__ = [
    "Condition",
    "PeriodKind",
    "ProcedureTemplate",
    "Requirement",
    "StageEvidence",
    "StatutoryPeriod",
    "TemplateStep",
    "WorkdayOverride",
]
