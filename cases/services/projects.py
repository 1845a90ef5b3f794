"""Projects and their households: enrolment (a case for each household a project covers)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Q, QuerySet
from django.utils.translation import gettext as _, ngettext

from .. import audit
from ..models import Case, Cooperative, Household, Project

#: Cases written per INSERT (and history rows per INSERT): a district project may have
#: 100,000 households.
ENROL_BATCH = 1000
#: How many refused households or cooperatives a refusal names (the rest are counted).
NAMED_IN_REFUSAL = 5


@dataclass(frozen=True)
class Enrolment:
    """What ``project_enrol_households`` did: cases created, and households that had one."""

    created: int
    already: int

    def summary(self, *, dry_run: bool = False) -> str:
        """ "N households enrolled, M already had a case", for the admin and the command."""
        counts = {"created": self.created, "already": self.already}
        if dry_run:
            return (
                ngettext(
                    "Dry run, nothing written: %(created)d household would be enrolled, "
                    "%(already)d already have a case.",
                    "Dry run, nothing written: %(created)d households would be enrolled, "
                    "%(already)d already have a case.",
                    self.created,
                )
                % counts
            )
        return (
            ngettext(
                "%(created)d household enrolled, %(already)d already had a case.",
                "%(created)d households enrolled, %(already)d already had a case.",
                self.created,
            )
            % counts
        )


def project_cooperatives(project: Project) -> QuerySet[Cooperative]:
    """The cooperatives ``project`` covers: those it names, or, if it names none, every
    cooperative of its villages (one query when evaluated)."""
    named = Project.cooperatives.through.objects.filter(project_id=project.pk)
    villages = Project.villages.through.objects.filter(project_id=project.pk)
    return Cooperative.objects.filter(
        Q(pk__in=named.values("cooperative_id"))
        | (Q(village_id__in=villages.values("village_id")) & ~Exists(named))
    )


def projects_covering(projects: QuerySet[Project], cooperative_ids: Iterable[int]) -> list:
    """The projects of ``projects`` that cover every one of ``cooperative_ids`` (three
    queries, whatever the number of projects)."""
    wanted = set(cooperative_ids)
    village_of = dict(Cooperative.objects.filter(pk__in=wanted).values_list("pk", "village_id"))
    projects = list(projects)
    ids = [p.pk for p in projects]
    named, villages = {}, {}
    for project_id, coop_id in Project.cooperatives.through.objects.filter(
        project_id__in=ids
    ).values_list("project_id", "cooperative_id"):
        named.setdefault(project_id, set()).add(coop_id)
    for project_id, village_id in Project.villages.through.objects.filter(
        project_id__in=ids
    ).values_list("project_id", "village_id"):
        villages.setdefault(project_id, set()).add(village_id)
    covering = []
    for project in projects:
        if project.pk in named:
            covers = wanted <= named[project.pk]
        else:
            covers = {village_of.get(c) for c in wanted} <= villages.get(project.pk, set())
        if covers:
            covering.append(project)
    return covering


def _refusal(message: str, names: list[str], count: int) -> ValidationError:
    shown = ", ".join(names)
    if count > len(names):
        shown = _("%(names)s and %(more)d more") % {"names": shown, "more": count - len(names)}
    return ValidationError(message % {"count": count, "names": shown})


@transaction.atomic
def project_enrol_households(
    *,
    project: Project,
    households: QuerySet[Household] | Iterable[Household] | None = None,
    cooperatives: Iterable[Cooperative] | None = None,
    by: AbstractBaseUser | None,
) -> Enrolment:
    """Give ``project`` a case (not contacted, stance unknown) for each of ``households``, or
    for every household of ``cooperatives`` (default: every cooperative the project covers,
    ``project_cooperatives``) that has none in it yet. Returns the cases created and the
    households that already had one.

    Refused as a whole (``ValidationError``, nothing written): a completed project; any
    household or cooperative the project does not cover. The project row is locked, so that
    two enrolments of one project run one after the other and the second finds the first's
    cases; a case added meanwhile from the admin's add page is skipped (``_insert``). The
    number of queries grows with batches of ``ENROL_BATCH``, not with households.
    """
    if households is not None and cooperatives is not None:
        raise ValueError("Give households or cooperatives, not both.")
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.status == Project.Status.COMPLETED:
        raise ValidationError(
            _("The project “%(project)s” is completed: households can no longer be enrolled.")
            % {"project": project.name}
        )
    covered = project_cooperatives(project).values("pk")
    if households is not None:
        if isinstance(households, QuerySet):
            candidates = Household.objects.filter(pk__in=households.values("pk"))
        else:
            candidates = Household.objects.filter(pk__in={h.pk for h in households})
        outside = candidates.exclude(cooperative_id__in=covered)
        refused = [str(h) for h in outside.order_by("cooperative_id", "number")[:NAMED_IN_REFUSAL]]
        if refused:
            raise _refusal(
                ngettext(
                    "%(count)d household is not in the project's villages or cooperatives: "
                    "%(names)s. Nothing was enrolled.",
                    "%(count)d households are not in the project's villages or cooperatives: "
                    "%(names)s. Nothing was enrolled.",
                    outside.count(),
                ),
                refused,
                outside.count(),
            )
    else:
        if cooperatives is None:
            coop_ids = covered
        else:
            coop_ids = {c.pk for c in cooperatives}
            outside = Cooperative.objects.filter(pk__in=coop_ids).exclude(pk__in=covered)
            refused = [str(c) for c in outside.select_related("village").order_by("pk")]
            if refused:
                raise _refusal(
                    ngettext(
                        "%(count)d cooperative is not covered by the project: %(names)s. "
                        "Nothing was enrolled.",
                        "%(count)d cooperatives are not covered by the project: %(names)s. "
                        "Nothing was enrolled.",
                        len(refused),
                    ),
                    refused[:NAMED_IN_REFUSAL],
                    len(refused),
                )
        candidates = Household.objects.filter(cooperative_id__in=coop_ids)
    total = candidates.count()
    with_case = Case.objects.filter(project_id=project.pk).values("household_id")
    missing = list(candidates.exclude(pk__in=with_case).order_by("pk").values_list("pk", flat=True))
    reason = _("Enrolled in %(project)s") % {"project": project.name}
    created = sum(
        _insert(project, missing[start : start + ENROL_BATCH], by, reason)
        for start in range(0, len(missing), ENROL_BATCH)
    )
    return Enrolment(created=created, already=total - created)


def _insert(project: Project, household_ids: list[int], by, reason: str) -> int:
    """Write one batch of cases with their history rows; returns how many. A case added
    meanwhile for one of the households (the admin's add page does not lock the project)
    breaks ``case_unique_household``: the batch is rolled back to its savepoint and written
    again without the households that now have a case."""
    while household_ids:
        try:
            with transaction.atomic():
                audit.bulk_history(
                    Case,
                    [Case(project=project, household_id=pk) for pk in household_ids],
                    by,
                    reason,
                    batch_size=ENROL_BATCH,
                )
            return len(household_ids)
        except IntegrityError:
            taken = set(
                Case.objects.filter(
                    project_id=project.pk, household_id__in=household_ids
                ).values_list("household_id", flat=True)
            )
            if not taken:
                raise
            household_ids = [pk for pk in household_ids if pk not in taken]
    return 0
