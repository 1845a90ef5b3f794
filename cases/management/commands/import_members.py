from django.utils.translation import pgettext_lazy

from cases.member_import import members_import

from .import_households import Command as ImportCommand


class Command(ImportCommand):
    help = (
        "Import a member roster (成员名册 / 股东名册: one person a row, with the household's "
        "village, cooperative and household number; CSV or XLSX, Chinese or English headers). "
        "The households must exist. Upserts each person on the ID number within the household, "
        "else on the name. If any row is invalid, nothing is written and every bad row is listed."
    )
    fill_down_help = (
        "a blank village / cooperative / household number / head cell (merged cells) takes "
        "the value above"
    )
    importer = staticmethod(members_import)
    dry_run_summary = pgettext_lazy(
        "members",
        "Dry run of %(file)s, nothing written: %(created)d would be created, "
        "%(updated)d updated, %(unchanged)d unchanged.",
    )
    summary = pgettext_lazy(
        "members",
        "Imported %(file)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.",
    )
