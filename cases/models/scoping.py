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


def read_village_ids(user) -> list[int] | None:
    """The ids of the user's villages, read now (one query), in id order; ``None`` for a
    township-wide user (every village) and ``[]`` for one who may see nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if sees_all_villages(user):
        return None
    return list(visible_village_ids(user).order_by("pk").values_list("pk", flat=True))


class ScopedQuerySet(models.QuerySet):
    """Subclasses name ``village_path``, the lookup from the model to its Village."""

    village_path: str = "village"

    def visible_to(self, user, *, village_ids: list[int] | None = None):
        """Rows of the user's villages. ``village_ids``: those villages, already read by
        ``read_village_ids(user)``, written into the query as constants: a subquery hides
        from the planner which villages, and how many, so it cannot walk an index that
        starts with the village in order (the cadre's visit list, ``Visit.village``)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if sees_all_villages(user):
            return self
        villages = visible_village_ids(user) if village_ids is None else village_ids
        return self.filter(**{f"{self.village_path}__in": villages})
