from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .geo import Cooperative, PartyBranch, Township, Village
from .periods import StatutoryPeriod
from .scoping import ScopedQuerySet, sees_all_villages, visible_village_ids


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A project is visible when it covers at least one of the user's villages."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if sees_all_villages(user):
            return self
        through = Project.villages.through.objects.filter(village_id__in=visible_village_ids(user))
        return self.filter(pk__in=through.values("project_id"))


class Project(models.Model):
    """项目: a land acquisition, consolidation, park renovation or 工改商 conversion."""

    class Kind(models.TextChoices):
        ACQUISITION = "acquisition", _("land acquisition")
        CONSOLIDATION = "consolidation", _("land consolidation")
        PARK_RENOVATION = "park_renovation", _("industrial park renovation")
        INDUSTRIAL_TO_COMMERCIAL = "industrial_to_commercial", _("industrial-to-commercial")

    class Status(models.TextChoices):
        PLANNING = "planning", _("planning")
        ACTIVE = "active", _("in progress")
        COMPLETED = "completed", _("completed")
        SUSPENDED = "suspended", _("suspended")

    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="projects", verbose_name=_("township")
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNING
    )
    villages = models.ManyToManyField(Village, related_name="projects", verbose_name=_("villages"))
    cooperatives = models.ManyToManyField(
        Cooperative, blank=True, related_name="projects", verbose_name=_("cooperatives")
    )
    area_mu = models.DecimalField(
        _("area (mu)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    started_on = models.DateField(_("start date"), null=True, blank=True)
    ended_on = models.DateField(_("end date"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-started_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["township", "name"], name="project_unique_name"),
            models.CheckConstraint(
                condition=models.Q(area_mu__gte=0),
                name="project_area_mu_gte_0",
                violation_error_code="area_mu",
                violation_error_message=_("The area cannot be negative."),
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(started_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="project_ends_after_start",
                violation_error_code="ended_on",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]

    def __str__(self):
        return self.name


class ProjectPartQuerySet(ScopedQuerySet):
    """Rows that belong to a project (stages; meetings also by their village, see
    ``MeetingQuerySet``) follow the project's visibility."""

    def visible_to(self, user):
        return self.filter(project__in=Project.objects.visible_to(user).values("pk"))


class Stage(StatutoryPeriod):
    """One step of a project's procedure, in order, with planned and done dates.

    Laid out from a ``TemplateStep`` (``services.project_lay_out_stages``), whose period,
    requirement and dependencies it copies: editing the template later does not move it.
    ``due_on`` is the planned end: the earliest day a minimum period is complete, or the
    statutory deadline. A stage done before its minimum carries ``early_reason``.
    """

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="stages", verbose_name=_("project")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=160, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    template_step = models.ForeignKey(
        "cases.TemplateStep",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stages",
        verbose_name=_("template step"),
    )
    depends_on = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="dependents",
        verbose_name=_("depends on"),
        help_text=_("Empty: the previous stage."),
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    due_on = models.DateField(_("due date"), null=True, blank=True)
    started_on = models.DateField(_("started"), null=True, blank=True)
    done_on = models.DateField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked done by"),
    )
    early_reason = models.TextField(_("reason for finishing before the legal minimum"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = ProjectPartQuerySet.as_manager()

    class Meta(StatutoryPeriod.Meta):
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["project", "order"]
        constraints = [
            *StatutoryPeriod.Meta.constraints,
            models.UniqueConstraint(fields=["project", "order"], name="stage_unique_order"),
            models.CheckConstraint(
                condition=models.Q(done_on__isnull=True)
                | models.Q(started_on__isnull=True)
                | models.Q(done_on__gte=models.F("started_on")),
                name="stage_done_after_start",
                violation_error_code="done_on",
                violation_error_message=_("A step cannot be done before it started."),
            ),
        ]

    def __str__(self):
        return f"{self.order}. {self.name}"

    def display_name(self, language: str) -> str:
        """The English name for an English page when there is one, else the Chinese."""
        return self.name_en if language == "en" and self.name_en else self.name


class MeetingQuerySet(ProjectPartQuerySet):
    def visible_to(self, user):
        """A meeting of the user's projects, unless it was held in a village they do not see:
        a project spans several villages, and one village's meeting (its place, attendance and
        summary, often with names) is that village's. Meetings of no village (the township's
        for the whole project) follow the project."""
        visible = super().visible_to(user)
        if user is None or not user.is_authenticated or sees_all_villages(user):
            return visible
        return visible.filter(
            models.Q(village__isnull=True) | models.Q(village__in=visible_village_ids(user))
        )


class Meeting(models.Model):
    """会议: a policy Q&A (政策答疑会), party-member, villagers' or representatives' meeting."""

    class Kind(models.TextChoices):
        POLICY_QA = "policy_qa", _("policy Q&A meeting")
        PARTY_MEMBERS = "party_members", _("party members' meeting")
        VILLAGERS = "villagers", _("villagers' meeting")
        REPRESENTATIVES = "representatives", _("representatives' meeting")
        COOPERATIVE = "cooperative", _("cooperative members' meeting")
        CADRES = "cadres", _("cadres' meeting")

    #: PROTECT: a meeting's attendance and minutes are a record; a project that held meetings
    #: is not deleted with them (a project set up by mistake has none).
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("project")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=120, blank=True)
    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("village"),
    )
    branch = models.ForeignKey(
        PartyBranch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("party branch"),
    )
    attendance = models.PositiveIntegerField(_("attendance"), default=0)
    summary = models.TextField(_("summary"), blank=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_on"]

    def __str__(self):
        return f"{self.held_on} {self.get_kind_display()}"
