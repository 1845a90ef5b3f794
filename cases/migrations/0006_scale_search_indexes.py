"""Trigram indexes for the "contains" searches, on PostgreSQL only.

Django's ``icontains`` is ``UPPER(col::text) LIKE UPPER('%…%')`` and ``iexact`` is
``UPPER(col::text) = UPPER('…')`` on PostgreSQL; a GIN index of ``UPPER(col)`` with
``gin_trgm_ops`` serves both (three characters or more for LIKE; a Chinese name is two or
three). Written as SQL run on PostgreSQL only, so the model state does not carry GIN indexes
that SQLite could not build (SQLite keeps its table scans; it holds demo-sized data).
"""

from django.db import migrations

INDEXES = [
    # Case list and visit list search, admin household / case / visit search: head's name contains.
    ("household_head_name_trgm", "cases_household", "head_name"),
    # The same searches by household number (contains on the pages, "=number" in the admin).
    ("household_number_trgm", "cases_household", "number"),
    # Admin member search: the member's name contains.
    ("member_name_trgm", "cases_member", "name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin (UPPER("{column}") gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_security_reveallog"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
