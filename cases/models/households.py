from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from ..validators import mask_id_number, mask_phone, validate_id_number, validate_phone
from .geo import Cooperative
from .history import HistoricalRecords
from .scoping import ScopedQuerySet


class HouseholdQuerySet(ScopedQuerySet):
    village_path = "cooperative__village"


class Household(models.Model):
    """户: a household of a cooperative, identified by its household number (户号)."""

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("cooperative"),
        db_index=False,  # ``household_unique_number`` (cooperative, number) serves it
    )
    number = models.CharField(_("household number"), max_length=32)
    head_name = models.CharField(_("head of household"), max_length=50)
    head_id_number = models.CharField(
        _("head's ID number"), max_length=18, blank=True, validators=[validate_id_number]
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    address = models.CharField(_("address"), max_length=200, blank=True)
    member_count = models.PositiveSmallIntegerField(_("members"), null=True, blank=True)
    shareholder_count = models.PositiveSmallIntegerField(_("shareholders"), null=True, blank=True)
    contracted_mu = models.DecimalField(
        _("contracted area (mu)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = HouseholdQuerySet.as_manager()
    #: Read per household (``cases.audit``): no index on the cooperative, which would cost a
    #: roster import a write per row.
    history = HistoricalRecords(excluded_fields=["updated_at"], no_db_index=["cooperative"])

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["cooperative", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "number"], name="household_unique_number"
            ),
            models.CheckConstraint(
                condition=models.Q(contracted_mu__gte=0),
                name="household_contracted_mu_gte_0",
                violation_error_code="contracted_mu",
                violation_error_message=_("The contracted area cannot be negative."),
            ),
        ]
        indexes = [
            # Case list and household search by the head's name.
            models.Index(fields=["head_name"], name="household_head_name_idx"),
        ]

    def __str__(self):
        return f"{self.number} {self.head_name}"

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.head_id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class MemberQuerySet(ScopedQuerySet):
    village_path = "household__cooperative__village"

    def adults_on(self, day: date):
        """Members 18 or older on ``day``; a member without a birth date is not counted."""
        try:
            cutoff = day.replace(year=day.year - 18)
        except ValueError:  # 29 February
            cutoff = day.replace(year=day.year - 18, day=28)
        return self.filter(birth_date__lte=cutoff)


class Member(models.Model):
    """成员 / 股东: a person of a household; may be a collective member and a shareholder."""

    class Relation(models.TextChoices):
        HEAD = "head", _("head of household")
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("child")
        PARENT = "parent", _("parent")
        GRANDCHILD = "grandchild", _("grandchild")
        SIBLING = "sibling", _("sibling")
        OTHER = "other", _("other")

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="members", verbose_name=_("household")
    )
    name = models.CharField(_("name"), max_length=50)
    id_number = models.CharField(
        _("ID number"), max_length=18, blank=True, validators=[validate_id_number]
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    relation = models.CharField(
        _("relation to head"), max_length=12, choices=Relation.choices, default=Relation.OTHER
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    is_collective_member = models.BooleanField(_("collective member"), default=True)
    is_shareholder = models.BooleanField(_("shareholder"), default=False)
    shares = models.DecimalField(_("shares"), max_digits=8, decimal_places=2, default=0)
    is_villager_representative = models.BooleanField(_("villagers' representative"), default=False)
    is_member_representative = models.BooleanField(_("members' representative"), default=False)

    objects = MemberQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("member")
        # Not the count column of the same English word (走访次数, 人口).
        verbose_name_plural = pgettext_lazy("model", "members")
        ordering = ["household", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(shares__gte=0),
                name="member_shares_gte_0",
                violation_error_code="shares",
                violation_error_message=_("Shares cannot be negative."),
            ),
            models.CheckConstraint(
                condition=models.Q(is_shareholder=True) | models.Q(shares=0),
                name="member_shares_only_for_shareholders",
                violation_error_code="shares",
                violation_error_message=_(
                    "Only a shareholder holds shares: tick “shareholder”, or set the shares to 0."
                ),
            ),
        ]
        indexes = [
            # Admin member list filtered by relation (its exact count reads only this index).
            models.Index(fields=["relation"], name="member_relation_idx"),
            # A member roster's ID numbers looked up in every household (a person belongs to
            # one: cases.member_import): without it each chunk read a district's 3M members.
            models.Index(fields=["id_number"], name="member_id_number_idx"),
        ]

    def __str__(self):
        return self.name

    def is_adult_on(self, day: date) -> bool:
        """18 or older on ``day`` (the vote date); unknown birth date counts as not adult."""
        if self.birth_date is None:
            return False
        return (day.year, day.month, day.day) >= (
            self.birth_date.year + 18,
            self.birth_date.month,
            self.birth_date.day,
        )

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)
