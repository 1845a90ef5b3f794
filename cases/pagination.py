"""Paginators for tables of millions of rows, where ``COUNT(*)`` reads every row.

``CappedCountPaginator`` (the case and visit lists): counts at most ``cap + 1`` rows, so a
list of a million visits costs what a list of ten thousand does; the page then says "more
than 10,000" and the user narrows the filter.

``EstimatedCountPaginator`` (admin changelists of households, members, cases and visits): an
unfiltered list on PostgreSQL takes its count from the planner's statistics
(``pg_class.reltuples``, kept by ANALYZE and autovacuum) and says "about"; a filter, a
search or a user's village scope is counted as the lists are, up to the cap, as is a small
table or any other database. Counting the million visits of one project exactly took
100 ms of a 200–300 ms changelist (docs/PERFORMANCE.md); capped, the page costs the same
whatever the filter matches. The admin's templates (``templates/admin/cases/``) say "about"
and "more than" where the count is not exact.
"""

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


def estimated_count(queryset) -> int | None:
    """The planner's row estimate of an unfiltered queryset's table on PostgreSQL, else None."""
    if not isinstance(queryset, QuerySet):
        return None
    query = queryset.query
    connection = connections[queryset.db]
    if (
        connection.vendor != "postgresql"
        or query.where
        or query.distinct
        or query.combinator
        or query.is_sliced
    ):
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [connection.ops.quote_name(queryset.model._meta.db_table)],
        )
        row = cursor.fetchone()
    # -1: never analysed.
    return row[0] if row and row[0] >= 0 else None


class CappedCountPaginator(Paginator):
    #: Rows counted at most (one more, to know there are more).
    cap = 10_000

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if isinstance(rows, QuerySet) and not rows.query.is_sliced:
            return rows.order_by()[: self.cap + 1].count()
        return min(super().count, self.cap + 1)

    @property
    def capped(self) -> bool:
        """True when there are more rows than ``cap`` (the count is then ``cap + 1``)."""
        return self.count > self.cap


class EstimatedCountPaginator(CappedCountPaginator):
    #: Below this estimate an exact count is cheap, and exact is better.
    exact_below = 10_000

    @cached_property
    def estimate(self) -> int | None:
        return estimated_count(self.object_list)

    @property
    def estimated(self) -> bool:
        """True when ``count`` is the planner's estimate."""
        return self.estimate is not None and self.estimate >= self.exact_below

    @cached_property
    def count(self) -> int:
        return self.estimate if self.estimated else super().count

    @property
    def capped(self) -> bool:
        return not self.estimated and super().capped


class PageByIds:
    """A sorted queryset for ``CappedCountPaginator`` whose pages are read in two queries:
    the page's ids, along the index that the sort and the filters allow and without the
    joins the rows are shown with, then those rows with their joins (``select_related``,
    ``prefetch_related``).

    In one query, PostgreSQL misjudged a cadre's visits by one visitor (the village, the
    project and the visitor go together; it assumed them independent and expected two rows
    where there were five thousand) and joined each of them to every user and branch: 1.2 s.
    The ids alone are a top-N of the village's visits (25 ms); the rows are fifty lookups.

    With ``village_ids`` (more than one) and a sort by ``date_field`` first, on a database
    that orders and slices the parts of a compound query (PostgreSQL), the ids are one query
    per village, each read along its (village, date, id) index to the page's end, united
    (``UNION ALL``) and merged in order: over ``village IN (1, 2, 3)`` PostgreSQL cannot read
    such an index in date order, and walked the district's date index or a project's,
    filtering by village (0.6 s for a cadre of three villages). Merged, a page costs the
    villages times the rows up to the page's end, whatever the district or the project.
    """

    ordered = True

    def __init__(
        self,
        queryset: QuerySet,
        *,
        village_ids: list[int] | None = None,
        date_field: str = "",
        village_field: str = "",
    ):
        self.queryset = queryset
        keys = queryset.query.order_by
        by_date = bool(keys) and isinstance(keys[0], str) and keys[0].lstrip("-") == date_field
        self.merge = (
            by_date
            and village_ids is not None
            and len(village_ids) > 1
            and connections[queryset.db].features.supports_slicing_ordering_in_compound
        )
        self.village_ids = village_ids
        self.date_field, self.village_field = date_field, village_field

    def count(self) -> int:
        return self.queryset.order_by()[: CappedCountPaginator.cap + 1].count()

    def __len__(self) -> int:
        return self.count()

    def _ids(self, start: int, stop: int) -> list:
        if stop <= start:  # an empty list's page; ``[:0]`` would empty the parts of the union
            return []
        if not self.merge:
            return list(self.queryset.values_list("pk", flat=True)[start:stop])
        bare = self.queryset.values_list("pk", self.date_field)
        parts = [bare.filter(**{self.village_field: pk})[:stop] for pk in self.village_ids]
        merged = parts[0].union(*parts[1:], all=True).order_by(*self.queryset.query.order_by)
        return [pk for pk, _date in merged[start:stop]]

    def __getitem__(self, window: slice) -> list:
        ids = self._ids(window.start or 0, window.stop)
        rows = self.queryset.order_by().filter(pk__in=ids).in_bulk()
        return [rows[pk] for pk in ids if pk in rows]
