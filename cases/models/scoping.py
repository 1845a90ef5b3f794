"""The one scoping mechanism: which rows a user may see.

Township-wide users (superusers, or anyone holding ``cases.view_all_villages``) see every
village; everyone else sees the villages listed in their staff profile, and so only the
cooperatives, households, cases, visits, votes and projects of those villages. Every page,
export and admin screen reads through ``visible_to(user)``.
"""

from django.db import models


def sees_all_villages(user) -> bool:
    """Township-wide roles; ``has_perm`` caches the user's permissions after the first call."""
    return bool(user.is_active and (user.is_superuser or user.has_perm("cases.view_all_villages")))


def visible_village_ids(user):
    """A subquery of the ids of the villages in the user's staff profile (no query by itself)."""
    from .geo import Village

    return Village.objects.filter(staff_profiles__user=user).values("pk")


class ScopedQuerySet(models.QuerySet):
    """Subclasses name ``village_path``, the lookup from the model to its Village."""

    village_path: str = "village"

    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if sees_all_villages(user):
            return self
        return self.filter(**{f"{self.village_path}__in": visible_village_ids(user)})
