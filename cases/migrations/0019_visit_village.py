"""Each visit carries its household's village (indexed with the date), as it carries its
case's project (0006): a cadre's visit list reads their village's visits newest first along
``visit_village_date_idx`` instead of walking a project's visits until fifty are in their
village, and the visits' scope is read from the visit itself."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_village_from_household(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    village = Subquery(
        Case.objects.filter(pk=OuterRef("case_id"))
        .order_by()  # without the Meta ordering, which joined four tables for each visit
        .values("household__cooperative__village_id")[:1]
    )
    for name in ("Visit", "HistoricalVisit"):
        apps.get_model("cases", name).objects.update(village_id=village)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0018_partybranch_help_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalvisit",
            name="village",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="cases.village",
                verbose_name="village",
            ),
        ),
        migrations.AddField(
            model_name="visit",
            name="village",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="visits",
                to="cases.village",
                verbose_name="village",
            ),
        ),
        migrations.RunPython(copy_village_from_household, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="visit",
            name="village",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="visits",
                to="cases.village",
                verbose_name="village",
            ),
        ),
        migrations.AddIndex(
            model_name="visit",
            index=models.Index(
                fields=["village", "visited_on", "id"], name="visit_village_date_idx"
            ),
        ),
    ]
