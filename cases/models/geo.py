from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..wording import person
from .scoping import ScopedQuerySet


class Township(models.Model):
    """镇: the township running the programme (e.g. 九江镇, 南海区, 佛山市)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    district = models.CharField(_("district"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("township")
        verbose_name_plural = _("townships")
        ordering = ["name"]

    def __str__(self):
        return self.name


class VillageQuerySet(ScopedQuerySet):
    village_path = "pk"


class Village(models.Model):
    """村 or 社区 (a village committee or a community committee)."""

    class Kind(models.TextChoices):
        VILLAGE = "village", _("village")
        COMMUNITY = "community", _("community")

    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="villages", verbose_name=_("township")
    )
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.VILLAGE)

    objects = VillageQuerySet.as_manager()

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["township", "name"]
        constraints = [
            models.UniqueConstraint(fields=["township", "name"], name="village_unique_name"),
        ]

    def __str__(self):
        return self.name


class CooperativeQuerySet(ScopedQuerySet):
    village_path = "village"


class Cooperative(models.Model):
    """经济社: the collective economic organisation below a village; its members hold shares."""

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="cooperatives", verbose_name=_("village")
    )
    name = models.CharField(_("name"), max_length=50)

    objects = CooperativeQuerySet.as_manager()

    class Meta:
        verbose_name = _("cooperative")
        verbose_name_plural = _("cooperatives")
        ordering = ["village", "name"]
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="cooperative_unique_name"),
        ]

    def __str__(self):
        return f"{self.village.name} {self.name}"


class PartyBranchQuerySet(models.QuerySet):
    pass


class PartyBranch(models.Model):
    """党委 / 党总支 / 党支部. Visits are credited to the visitor's branch ("党员带头")."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("party committee")
        GENERAL_BRANCH = "general_branch", _("general party branch")
        BRANCH = "branch", _("party branch")

    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="branches", verbose_name=_("township")
    )
    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="branches",
        verbose_name=_("village"),
        help_text=_("Leave empty for a branch of the township's offices, not of a village."),
    )
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.BRANCH)

    objects = PartyBranchQuerySet.as_manager()

    class Meta:
        verbose_name = _("party branch")
        verbose_name_plural = _("party branches")
        ordering = ["township", "name"]
        constraints = [
            models.UniqueConstraint(fields=["township", "name"], name="branch_unique_name"),
        ]

    def __str__(self):
        return self.name


class StaffProfile(models.Model):
    """A user's place in the township: the villages in scope, the party branch, a phone."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("user"),
    )
    villages = models.ManyToManyField(
        Village, blank=True, related_name="staff_profiles", verbose_name=_("villages in scope")
    )
    branch = models.ForeignKey(
        PartyBranch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("party branch"),
    )
    title = models.CharField(_("title"), max_length=80, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        permissions = [
            ("view_all_villages", _("Can see every village of the township")),
            ("view_personal_numbers", _("Can see whole ID and phone numbers")),
        ]

    def __str__(self):
        return person(self.user)
