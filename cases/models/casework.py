import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from .geo import PartyBranch, Village
from .history import HistoricalRecords, M2MHistoricalRecords
from .households import Household
from .projects import Project
from .scoping import ScopedQuerySet

#: The seed's working rule: "每个反对的村民，前前后后走访都不少于三次".
MIN_VISITS_FOR_OPPOSED = 3
#: An undecided household not visited for this many days needs attention.
UNDECIDED_STALE_DAYS = 30


class Stance(models.TextChoices):
    """The attitude heard from a household (态度): on a visit, and the last one heard on a case.

    Wording, kept in every language, page, filter, export and admin list: these four words,
    bare, name a stance and nothing else: 支持 / 观望 / 反对 / 未表态 (supportive / undecided /
    opposed / not yet known). A case's status never borrows one (``Case.Status``), and the
    counts of a vote's ballots are 赞成票 / 反对票 / 弃权票 (votes for / votes against /
    abstentions; a ballot's choice alone is 赞成 / 反对 / 弃权). So a dashboard can show
    "支持 509" (households last heard supportive, signed or not) beside "支持（未签约） 5" and a
    vote's "反对票 3" without one word meaning two things.
    """

    UNKNOWN = "unknown", _("not yet known")
    SUPPORTIVE = "supportive", _("supportive")
    UNDECIDED = "undecided", _("undecided")
    OPPOSED = "opposed", _("opposed")


def signed_q() -> models.Q:
    """Signed or completed (``CLOSED_STATUSES``): the dashboards' "signed, incl. completed"."""
    return models.Q(status__in=sorted(CLOSED_STATUSES))


def open_q() -> models.Q:
    """Not yet signed: the households someone still has to persuade."""
    return ~signed_q()


def overdue_q(today) -> models.Q:
    """Open cases whose next follow-up date has passed."""
    return open_q() & models.Q(next_follow_up_on__lt=today)


#: "Due soon" for a visitor's own follow-ups (home page, case list): the coming week.
DUE_SOON_DAYS = 7


def due_q(today, days: int = 0) -> models.Q:
    """Open cases whose next follow-up is on or before ``today + days``, overdue included."""
    return open_q() & models.Q(next_follow_up_on__lte=today + timedelta(days=days))


def under_visited_opposed_q() -> models.Q:
    return models.Q(status="opposed", visit_count__lt=MIN_VISITS_FOR_OPPOSED)


def stale_undecided_q(today) -> models.Q:
    cutoff = today - timedelta(days=UNDECIDED_STALE_DAYS)
    return models.Q(status="undecided") & (
        models.Q(last_visit_on__lt=cutoff) | models.Q(last_visit_on__isnull=True)
    )


class CaseQuerySet(ScopedQuerySet):
    """The conditions are also ``Q`` builders above, so that dashboards can count them in one
    query with conditional aggregation."""

    village_path = "household__cooperative__village"

    def opposed(self):
        return self.filter(status=Case.Status.OPPOSED)

    def open(self):
        """Not yet signed: the households someone still has to persuade."""
        return self.filter(open_q())

    def overdue(self, today=None):
        """Open cases whose next follow-up date has passed."""
        return self.filter(overdue_q(today or timezone.localdate()))

    def under_visited_opposed(self):
        return self.filter(under_visited_opposed_q())

    def stale_undecided(self, today=None):
        return self.filter(stale_undecided_q(today or timezone.localdate()))

    def visited_by(self, user):
        """Cases ``user`` took part in a visit of: read from the user's side of the
        visit–visitor table (a visitor's few thousand visits), not probed case by case."""
        took_part = Visit.visitors.through.objects.filter(user=user)
        return self.filter(pk__in=took_part.values("visit__case_id"))

    def needs_attention(self, today=None):
        """Opposed under three visits, overdue follow-ups, undecided not visited for 30 days."""
        today = today or timezone.localdate()
        return self.filter(under_visited_opposed_q() | overdue_q(today) | stale_undecided_q(today))


class Case(models.Model):
    """户·项目: one household's part in one project.

    ``status`` is the pipeline (not contacted → visited → undecided / supportive / opposed →
    signed → completed); ``stance`` is the attitude last heard, kept after signing.
    ``visit_count``, ``last_visit_on`` and ``next_follow_up_on`` are maintained by
    ``services.visit_record`` so that lists and dashboards need no per-row query.
    """

    class Status(models.TextChoices):
        """The case's step (进度). The steps a visit sets from the stance heard
        (``STATUS_FOR_STANCE``) say what they add to it, not signed or no stance yet, so that
        no status reads as a bare stance word (see ``Stance``). "Signed" is this step alone;
        the figures that count signed and completed cases together say so ("incl. completed")."""

        NOT_CONTACTED = "not_contacted", _("not contacted")
        VISITED = "visited", _("visited, no stance yet")
        UNDECIDED = "undecided", _("undecided, not signed")
        SUPPORTIVE = "supportive", _("supportive, not signed")
        OPPOSED = "opposed", _("opposed, not signed")
        SIGNED = "signed", _("signed")
        COMPLETED = "completed", _("completed")

    #: No index of its own: ``case_unique_household`` (project, household) serves it.
    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("project"),
        db_index=False,
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="cases", verbose_name=_("household")
    )
    status = models.CharField(
        _("status"), max_length=15, choices=Status.choices, default=Status.NOT_CONTACTED
    )
    stance = models.CharField(
        _("stance"), max_length=12, choices=Stance.choices, default=Stance.UNKNOWN
    )
    affected_mu = models.DecimalField(
        _("affected area (mu)"), max_digits=10, decimal_places=2, default=0
    )
    compensation_yuan = models.DecimalField(
        _("agreed compensation (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    agreement_signed_on = models.DateField(_("agreement signed"), null=True, blank=True)
    completed_on = models.DateField(_("completed (paid / handed over)"), null=True, blank=True)
    visit_count = models.PositiveIntegerField(_("visits"), default=0, editable=False)
    last_visit_on = models.DateField(_("last visit"), null=True, blank=True, editable=False)
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = CaseQuerySet.as_manager()
    #: The history is read per case and per household (``cases.audit``); an index on its
    #: project would cost every visit a write and serve no query.
    history = HistoricalRecords(no_db_index=["project"])

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["project", "household"]
        constraints = [
            models.UniqueConstraint(fields=["project", "household"], name="case_unique_household"),
            models.CheckConstraint(
                condition=models.Q(affected_mu__gte=0),
                name="case_affected_mu_gte_0",
                violation_error_code="affected_mu",
                violation_error_message=_("The affected area cannot be negative."),
            ),
            models.CheckConstraint(
                condition=models.Q(compensation_yuan__gte=0),
                name="case_compensation_gte_0",
                violation_error_code="compensation_yuan",
                violation_error_message=_("Compensation cannot be negative."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["signed", "completed"])
                | models.Q(agreement_signed_on__isnull=False),
                name="case_signed_has_agreement_date",
                violation_error_code="agreement_signed_on",
                violation_error_message=_("A signed case needs its agreement date."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status="completed") | models.Q(completed_on__isnull=False),
                name="case_completed_has_date",
                violation_error_code="completed_on",
                violation_error_message=_("A completed case needs its completion date."),
            ),
        ]
        indexes = [
            # Project dashboard and case list: counts and filters by status within a project.
            models.Index(fields=["project", "status"], name="case_project_status_idx"),
            # "Overdue follow-ups" on the home page and dashboard.
            models.Index(fields=["project", "next_follow_up_on"], name="case_project_followup_idx"),
        ]

    def __str__(self):
        return f"{self.project} · {self.household}"

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @property
    def follow_up_overdue(self) -> bool:
        """As ``overdue_q`` on today's date (Asia/Shanghai): open, its follow-up passed."""
        follow_up = self.next_follow_up_on
        return self.is_open and follow_up is not None and follow_up < timezone.localdate()


#: A case past persuasion: its status no longer follows the stance heard.
CLOSED_STATUSES = frozenset({Case.Status.SIGNED, Case.Status.COMPLETED})

#: The status a case takes from the stance heard, while it is not yet signed (the ORM's
#: ``services.case_refresh_visits`` and the SQL of ``cases.visit_writes`` both read it).
STATUS_FOR_STANCE = {
    Stance.UNKNOWN: Case.Status.VISITED,
    Stance.SUPPORTIVE: Case.Status.SUPPORTIVE,
    Stance.UNDECIDED: Case.Status.UNDECIDED,
    Stance.OPPOSED: Case.Status.OPPOSED,
}


class VisitQuerySet(ScopedQuerySet):
    """Scoped by the visit's own ``village`` (its household's, copied when it is stored), so
    that a cadre's visits are read along ``visit_village_date_idx``."""

    village_path = "village"

    def with_visitors(self):
        """The visits with their visitors, in one order on every page and export: by account
        (the order the accounts were made). Unordered, PostgreSQL returned a visit's visitors
        as it found them, not always in the order they were stored."""
        from django.contrib.auth import get_user_model

        return self.prefetch_related(
            models.Prefetch("visitors", queryset=get_user_model().objects.order_by("pk"))
        )


#: A visit's history, its visitors included: each history row has a snapshot of them
#: (``HistoricalVisit_visitors``), written by ``VISIT_HISTORY.save_with_m2m`` in the services
#: and the admin (one row per change, holding the visitors after it) and by the statement of
#: ``cases.visit_writes``. The history is read per case (``cases.audit``); the other foreign
#: keys and the client id are not looked up there, and each index would cost every visit a
#: write. The snapshot is read by its history row (``history_id``, indexed), and its ``user``
#: by ``audit.user_is_named_in_records`` before a user is deleted (indexed); its visit and
#: through-row ids are read by nothing.
VISIT_HISTORY = M2MHistoricalRecords(
    m2m_fields=["visitors"],
    no_db_index=["branch", "client_id", "project", "recorded_by", "village"],
    m2m_no_db_index=["id", "visit"],
)


class Visit(models.Model):
    """入户走访: one visit to a household about one case.

    ``client_id`` is generated by the form when it is first shown, so a re-sent or
    double-clicked form stores the visit once.
    """

    class Place(models.TextChoices):
        HOME = "home", _("at home")
        WORKPLACE = "workplace", _("at the workplace")
        PHONE = "phone", _("by phone")
        OFFICE = "office", _("at the village office")
        OTHER = "other", _("elsewhere")

    class Concern(models.TextChoices):
        COMPENSATION = "compensation", _("compensation amount")
        RESETTLEMENT = "resettlement", _("resettlement")
        TENANTS = "tenants", _("tenants")
        BOUNDARIES = "boundaries", _("boundaries")
        GRAVES = "graves", _("ancestral graves or houses")
        POLICY = "policy", _("policy unclear")
        OTHER = "other", _("other")

    #: No index of its own: ``visit_case_date_idx`` (case, visited_on) serves it.
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("case"),
        db_index=False,
    )
    #: The case's project, copied when the visit is stored (``services.visit_record``), so
    #: that a project's visits are found newest first along one index, without reading
    #: every case of the project first (a district's project has a million visits).
    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("project"),
        editable=False,
        db_index=False,
    )
    #: The village of the case's household, copied like ``project`` (``services.visit_record``,
    #: ``cases.visit_writes``, the seed, the demo; ``services.visits_follow_cases`` when a case,
    #: household or cooperative moves), so that a cadre's visits are found newest first along
    #: one index: walking a project's visits until fifty are in the cadre's village cost in
    #: proportion to the villages the project spans (docs/PERFORMANCE.md, seventh session).
    #: The scope of every visit read (``VisitQuerySet``) rests on it.
    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("village"),
        editable=False,
        db_index=False,
    )
    visited_on = models.DateField(_("date of visit"))
    visitors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="visits", verbose_name=_("visitors")
    )
    #: PROTECT, not SET_NULL: deleting a branch would otherwise take the credit of its visits
    #: away without a history row (the database sets the column, no save runs).
    branch = models.ForeignKey(
        PartyBranch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("credited to branch"),
    )
    place = models.CharField(_("place"), max_length=12, choices=Place.choices, default=Place.HOME)
    stance = models.CharField(
        _("stance heard"), max_length=12, choices=Stance.choices, default=Stance.UNKNOWN
    )
    concerns = models.JSONField(_("concerns"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True)
    client_id = models.UUIDField(_("client id"), default=uuid.uuid4, unique=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="recorded_visits",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = VisitQuerySet.as_manager()
    history = VISIT_HISTORY

    class Meta:
        verbose_name = _("visit")
        # Not the count column of the same English word (走访次数, 人口).
        verbose_name_plural = pgettext_lazy("model", "visits")
        ordering = ["-visited_on", "-recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(next_follow_up_on__isnull=True)
                | models.Q(next_follow_up_on__gte=models.F("visited_on")),
                name="visit_follow_up_after_visit",
                violation_error_code="next_follow_up_on",
                violation_error_message=_("The next follow-up cannot be before the visit."),
            ),
        ]
        indexes = [
            # Visit list by project (newest first), dashboard's visits per week and branch.
            models.Index(fields=["project", "visited_on", "id"], name="visit_project_date_idx"),
            # A cadre's visit list (their village's visits newest first), with or without a
            # project, a date range, a stance or a branch: read along the village's visits.
            models.Index(fields=["village", "visited_on", "id"], name="visit_village_date_idx"),
            # Case timeline and "latest visit" per case.
            models.Index(fields=["case", "visited_on"], name="visit_case_date_idx"),
            # Visits per week on the dashboard and the visit list's date range.
            models.Index(fields=["visited_on", "id"], name="visit_date_idx"),
        ]

    def __str__(self):
        return f"{self.visited_on} {self.case.household}"
