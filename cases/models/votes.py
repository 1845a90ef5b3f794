from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import voting
from .geo import Cooperative, Village
from .history import HistoricalRecords
from .households import Household, Member
from .projects import Meeting, Project
from .scoping import ScopedQuerySet


class VoteQuerySet(ScopedQuerySet):
    village_path = "village"


class Vote(models.Model):
    """表决: a decision put to a cooperative or a village under one of the legal rules.

    The electorate is ``cooperative`` when set, otherwise the whole ``village``. Its voter
    roll is frozen when the vote opens; a closed vote takes no ballots and a certified result
    is final (see ``services``). The rule presets and their articles live in ``cases.voting``.
    """

    class Rule(models.TextChoices):
        VILLAGERS_MEETING = "villagers_meeting", _("villagers' meeting")
        REPRESENTATIVES_MEETING = (
            "representatives_meeting",
            _("villagers' representatives' meeting"),
        )
        GROUP_MEETING = "group_meeting", _("villagers' group meeting")
        MEMBER_ASSEMBLY = "member_assembly", _("collective members' assembly")
        MEMBER_REPRESENTATIVES = "member_representatives", _("members' representatives' assembly")
        TWO_THIRDS_OF_ALL = "two_thirds_of_all", _("two thirds of all members")
        CUSTOM = "custom", _("custom rule")

    class Basis(models.TextChoices):
        HOUSEHOLD = "household", _("one vote per household")
        MEMBER = "member", _("one vote per member")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")
        CERTIFIED = "certified", _("certified")

    class ApprovalDenominator(models.TextChoices):
        PRESENT = "present", _("those present")
        ELIGIBLE = "eligible", _("all eligible")

    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="votes",
        verbose_name=_("project"),
    )
    subject = models.CharField(_("subject"), max_length=200)
    subject_kind = models.CharField(
        _("kind of subject"), max_length=40, choices=voting.SUBJECT_KINDS, default=voting.GENERAL
    )
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="votes", verbose_name=_("village")
    )
    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="votes",
        verbose_name=_("cooperative"),
        help_text=_("Leave empty for a vote of the whole village."),
    )
    #: PROTECT, not SET_NULL: deleting a meeting would otherwise change a closed or certified
    #: vote, without a history row (the database sets the column, no save runs).
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="votes",
        verbose_name=_("meeting"),
    )
    rule_code = models.CharField(_("rule"), max_length=30, choices=Rule.choices)
    basis = models.CharField(_("basis"), max_length=10, choices=Basis.choices)
    only_collective_members = models.BooleanField(_("collective members only"), default=True)
    only_shareholders = models.BooleanField(_("shareholders only"), default=False)
    only_adults = models.BooleanField(_("adults only (18 on the vote date)"), default=True)
    opens_on = models.DateField(_("opens"))
    closes_on = models.DateField(_("closes"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="draft")

    # A custom rule (rule_code "custom"): fractions as numerator / denominator.
    custom_quorum_num = models.PositiveSmallIntegerField(
        _("quorum: numerator"), null=True, blank=True
    )
    custom_quorum_den = models.PositiveSmallIntegerField(
        _("quorum: denominator"), null=True, blank=True
    )
    custom_quorum_inclusive = models.BooleanField(
        _("quorum met at exactly the fraction (“at least”)"), default=True
    )
    custom_approval_num = models.PositiveSmallIntegerField(
        _("approval: numerator"), null=True, blank=True
    )
    custom_approval_den = models.PositiveSmallIntegerField(
        _("approval: denominator"), null=True, blank=True
    )
    custom_approval_inclusive = models.BooleanField(
        _("passes at exactly the fraction (“at least”)"), default=False
    )
    custom_approval_denominator = models.CharField(
        _("approval counted against"),
        max_length=10,
        choices=ApprovalDenominator.choices,
        blank=True,
    )
    custom_citation = models.CharField(_("custom rule's basis"), max_length=200, blank=True)

    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("certified by"),
    )
    certified_at = models.DateTimeField(_("certified at"), null=True, blank=True)
    # The result as certified, kept so that a certified notice never changes.
    result = models.JSONField(_("certified result"), null=True, blank=True, editable=False)

    objects = VoteQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["-opens_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="vote_closes_after_opening",
                violation_error_code="closes_on",
                violation_error_message=_("The vote cannot close before it opens."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status="certified")
                | (models.Q(certified_by__isnull=False) & models.Q(result__isnull=False)),
                name="vote_certified_has_result",
                violation_error_code="status",
                violation_error_message=_(
                    "A certified vote has its result and who certified it: certify it on the "
                    "vote's page, which records both."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(rule_code="custom")
                | (
                    models.Q(custom_approval_num__isnull=False)
                    & models.Q(custom_approval_den__gt=0)
                    & ~models.Q(custom_approval_denominator="")
                ),
                name="vote_custom_rule_complete",
                violation_error_code="rule_code",
                violation_error_message=_(
                    "A custom rule needs its approval share (both numbers) and what it is a "
                    "share of."
                ),
            ),
        ]

    def __str__(self):
        return self.subject

    @property
    def electorate(self):
        return self.cooperative or self.village


class VoterQuerySet(ScopedQuerySet):
    village_path = "vote__village"


class Voter(models.Model):
    """One line of a vote's frozen roll: a household (per-household basis) or a member."""

    vote = models.ForeignKey(
        Vote, on_delete=models.CASCADE, related_name="voters", verbose_name=_("vote")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member"),
    )
    name = models.CharField(_("name"), max_length=50)
    is_adult = models.BooleanField(_("adult on the vote date"), default=True)

    objects = VoterQuerySet.as_manager()

    class Meta:
        verbose_name = _("voter")
        verbose_name_plural = _("voter roll")
        ordering = ["vote", "household", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["vote", "household"],
                condition=models.Q(member__isnull=True),
                name="voter_unique_household",
            ),
            models.UniqueConstraint(
                fields=["vote", "member"],
                condition=models.Q(member__isnull=False),
                name="voter_unique_member",
            ),
            # What a ballot's (voter, vote) refers to: migration 0012 makes the database refuse
            # a ballot whose voter is on another vote's roll (a foreign key on PostgreSQL, a
            # trigger on SQLite), which the services already refuse.
            models.UniqueConstraint(fields=["id", "vote"], name="voter_id_vote_unique"),
        ]

    def __str__(self):
        return self.name


class BallotQuerySet(ScopedQuerySet):
    village_path = "vote__village"


class Ballot(models.Model):
    """表决票: one per voter per vote, enforced by the database."""

    class Choice(models.TextChoices):
        FOR = "for", _("for")
        AGAINST = "against", _("against")
        ABSTAIN = "abstain", _("abstain")

    class Method(models.TextChoices):
        IN_PERSON = "in_person", _("in person")
        PROXY = "proxy", _("by written proxy")
        DOOR_TO_DOOR = "door_to_door", _("door to door")

    vote = models.ForeignKey(
        Vote, on_delete=models.PROTECT, related_name="ballots", verbose_name=_("vote")
    )
    voter = models.ForeignKey(
        Voter, on_delete=models.PROTECT, related_name="ballots", verbose_name=_("voter")
    )
    choice = models.CharField(_("choice"), max_length=10, choices=Choice.choices)
    method = models.CharField(
        _("how cast"), max_length=15, choices=Method.choices, default=Method.IN_PERSON
    )
    proxy_name = models.CharField(_("proxy's name"), max_length=50, blank=True)
    # Under a member assembly the proxy must be a member of the voter's household
    # (《农村集体经济组织法》第二十七条); the name is kept too, as written on the proxy.
    proxy_member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proxy (household member)"),
    )
    cast_on = models.DateField(_("cast on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="recorded_ballots",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = BallotQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ["vote", "voter"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "voter"], name="ballot_one_per_voter"),
            models.CheckConstraint(
                condition=~models.Q(method="proxy") | ~models.Q(proxy_name=""),
                name="ballot_proxy_has_name",
                violation_error_code="proxy_name",
                violation_error_message=_("A ballot by written proxy needs the proxy's name."),
            ),
        ]
        indexes = [
            # Tally: counts by choice within a vote.
            models.Index(fields=["vote", "choice"], name="ballot_vote_choice_idx"),
        ]

    def __str__(self):
        return f"{self.voter} · {self.get_choice_display()}"
