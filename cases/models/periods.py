"""A statutory step's period and requirement, shared by template steps and project stages."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .. import workdays


class PeriodKind(models.TextChoices):
    """What a step's period means (the unit is one of ``workdays.UNITS``)."""

    NONE = "none", _("no statutory period")
    #: e.g. 预公告 posted ≥ 10 working days: counted from the stage's start (the posting).
    MINIMUM = "minimum", _("minimum duration")
    #: e.g. 征收公告 within 15 working days of approval: counted from the end of the step(s)
    #: it depends on; the stage must be done by then.
    DEADLINE = "deadline", _("deadline")


class Requirement(models.TextChoices):
    REQUIRED = "required", _("required")
    CONDITIONAL = "conditional", _("conditional")
    NOT_REQUIRED = "not_required", _("not required")


class Condition(models.TextChoices):
    """Codes the app knows how to evaluate for a conditional step."""

    #: 土地管理法 art. 47, 实施条例 art. 28: more than half of the households object.
    HEARING_IF_MAJORITY_OPPOSED = (
        "hearing_if_majority_opposed",
        _("more than half of the households opposed"),
    )
    #: 实施条例 art. 31: decisions for owners who have not signed.
    HOLDOUTS_REMAIN = "holdouts_remain", _("some households have not signed")


class StatutoryPeriod(models.Model):
    """A step's period and requirement, shared by ``TemplateStep`` and its snapshot on Stage."""

    period_kind = models.CharField(
        _("period"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.NONE
    )
    period_amount = models.PositiveSmallIntegerField(_("amount"), null=True, blank=True)
    period_unit = models.CharField(_("unit"), max_length=15, choices=workdays.UNITS, blank=True)
    requirement = models.CharField(
        _("requirement"), max_length=12, choices=Requirement.choices, default=Requirement.REQUIRED
    )
    condition = models.CharField(
        _("condition"), max_length=40, choices=Condition.choices, blank=True
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_kind=PeriodKind.NONE)
                | (models.Q(period_amount__gt=0) & ~models.Q(period_unit="")),
                name="%(class)s_period_has_amount_and_unit",
                violation_error_code="period_amount",
                violation_error_message=_(
                    "A period needs its length (more than 0) and its unit; or choose no period."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(requirement=Requirement.CONDITIONAL) | ~models.Q(condition=""),
                name="%(class)s_conditional_has_condition",
                violation_error_code="condition",
                violation_error_message=_("A conditional step needs its condition."),
            ),
        ]

    @property
    def has_period(self) -> bool:
        return self.period_kind != PeriodKind.NONE and bool(self.period_amount)

    @property
    def is_minimum(self) -> bool:
        return self.has_period and self.period_kind == PeriodKind.MINIMUM

    @property
    def is_deadline(self) -> bool:
        return self.has_period and self.period_kind == PeriodKind.DEADLINE
