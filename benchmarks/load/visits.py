"""Taking the load phase's visits out again (``benchmarks/scale_benchmark.py``); importable
without the benchmark's side effects, so that tests/test_benchmark_cleanup.py can check it."""

from django.db import connection, transaction

from cases.models import Case, Visit


def remove_load_visits(prefix: str, as_seeded: list[Case], since) -> int:
    """Take the load phase's visits out again (their visitors, history rows and those rows'
    snapshots of the visitors too) and put the cases they went to back as they were, history
    included, so that every run measures the seeded district: the visits of earlier runs, all
    of one day in one village, once made the cadre's visit list slower run after run. Raw
    deletes: ``delete()`` would write a history row for each visit it removes. Returns the
    number of visits removed."""
    visit_table = Visit._meta.db_table
    tables = {
        "visitors": Visit.visitors.through._meta.db_table,
        "visit_history": Visit.history.model._meta.db_table,
        "visitors_history": Visit.history.model.visitors.model._meta.db_table,
        "case_history": Case.history.model._meta.db_table,
    }
    like = prefix + "%"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {tables['visitors']} WHERE visit_id IN "
            f"(SELECT id FROM {visit_table} WHERE client_id::text LIKE %s)",
            [like],
        )
        cursor.execute(
            f"DELETE FROM {tables['visitors_history']} WHERE history_id IN (SELECT history_id "
            f"FROM {tables['visit_history']} WHERE client_id::text LIKE %s)",
            [like],
        )
        cursor.execute(
            f"DELETE FROM {tables['visit_history']} WHERE client_id::text LIKE %s", [like]
        )
        cursor.execute(f"DELETE FROM {visit_table} WHERE client_id::text LIKE %s", [like])
        removed = cursor.rowcount
        cursor.execute(
            f"DELETE FROM {tables['case_history']} WHERE id = ANY(%s) AND history_date >= %s",
            [[case.pk for case in as_seeded], since],
        )
        fields = [f.name for f in Case._meta.concrete_fields if not f.primary_key]
        Case.objects.bulk_update(as_seeded, fields)  # no history: bulk_update writes none
    return removed
