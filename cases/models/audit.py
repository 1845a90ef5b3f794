from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .households import Household, Member


class RevealLogQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Township administrators only: the log says whose numbers each user looked at."""
        if user is None or not user.is_active or not user.has_perm("cases.view_reveallog"):
            return self.none()
        return self


class RevealLog(models.Model):
    """One deliberate reveal of a whole ID or phone number: who, whose, which field, when, where
    from. Written by ``services.personal_number_reveal``; never changed afterwards."""

    class Field(models.TextChoices):
        HEAD_ID_NUMBER = "head_id_number", _("head's ID number")
        ID_NUMBER = "id_number", _("ID number")
        PHONE = "phone", _("phone")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reveals",
        verbose_name=_("revealed by"),
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reveals",
        verbose_name=_("household"),
    )
    member = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reveals",
        verbose_name=_("member"),
    )
    #: The person's name when revealed, kept if the household or member is deleted later.
    subject = models.CharField(_("whose"), max_length=120)
    field = models.CharField(_("field"), max_length=20, choices=Field.choices)
    revealed_at = models.DateTimeField(_("revealed at"), auto_now_add=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = RevealLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("reveal of a personal number")
        verbose_name_plural = _("reveals of personal numbers")
        ordering = ["-revealed_at"]
        indexes = [
            # The admin's list, newest first, and "who looked at this household".
            models.Index(fields=["household", "revealed_at"], name="reveallog_household_idx"),
        ]

    def __str__(self):
        return f"{self.user} → {self.subject} ({self.get_field_display()})"
