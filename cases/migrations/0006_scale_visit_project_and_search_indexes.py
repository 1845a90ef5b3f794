"""District scale: each visit carries its case's project (indexed with the date), and
trigram indexes serve the "contains" searches on PostgreSQL.

Django's ``icontains`` is ``UPPER(col::text) LIKE UPPER('%…%')`` and ``iexact`` is
``UPPER(col::text) = UPPER('…')`` on PostgreSQL; a GIN index of ``UPPER(col)`` with
``gin_trgm_ops`` serves both (from three characters for LIKE; a Chinese name has two or
three). They are SQL run on PostgreSQL only, so that the model state carries no GIN index
SQLite could not build (SQLite holds demo-sized data and keeps its scans).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

TRIGRAM_INDEXES = [
    # Case list and visit list search, admin household / case / visit search: head's name contains.
    ("household_head_name_trgm", "cases_household", "head_name"),
    # The same searches by household number (contains on the pages, "=number" in the admin).
    ("household_number_trgm", "cases_household", "number"),
    # Admin member search: the member's name contains.
    ("member_name_trgm", "cases_member", "name"),
]


def copy_project_from_case(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    project = Subquery(Case.objects.filter(pk=OuterRef("case_id")).values("project_id")[:1])
    for name in ("Visit", "HistoricalVisit"):
        apps.get_model("cases", name).objects.update(project_id=project)


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in TRIGRAM_INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f'USING gin (UPPER("{column}") gin_trgm_ops)'
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_security_reveallog"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalvisit",
            name="project",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="cases.project",
                verbose_name="project",
            ),
        ),
        migrations.AddField(
            model_name="visit",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="visits",
                to="cases.project",
                verbose_name="project",
            ),
        ),
        migrations.RunPython(copy_project_from_case, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="visit",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="visits",
                to="cases.project",
                verbose_name="project",
            ),
        ),
        migrations.AddIndex(
            model_name="visit",
            index=models.Index(fields=["project", "visited_on"], name="visit_project_date_idx"),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(fields=["relation"], name="member_relation_idx"),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
