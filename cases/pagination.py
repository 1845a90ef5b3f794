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
