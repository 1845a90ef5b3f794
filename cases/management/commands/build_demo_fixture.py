from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cases import demo
from cases.models import Township

#: What the fixture holds: the domain and the invented field workers, never history rows,
#: permissions or the demo log-ins (those are created by ``load_demo`` only).
FIXTURE_MODELS = [
    "auth.user",
    "cases.township",
    "cases.village",
    "cases.cooperative",
    "cases.partybranch",
    "cases.staffprofile",
    "cases.household",
    "cases.member",
    "cases.project",
    "cases.proceduretemplate",
    "cases.templatestep",
    "cases.stage",
    "cases.meeting",
    "cases.case",
    "cases.visit",
    "cases.vote",
    "cases.voter",
    "cases.ballot",
]


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Generate the demo data (deterministic) and write it to fixtures/demo.json."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", default=str(Path(settings.BASE_DIR) / "fixtures" / "demo.json")
        )

    def handle(self, *args, output, **options):
        if Township.objects.exists():
            raise CommandError(
                "The database already holds data; run this on an empty database "
                "(e.g. DATABASE_URL=sqlite:////tmp/demo-build.sqlite3 after migrate)."
            )
        try:
            with transaction.atomic():
                self.stdout.write("Generating the demo data…")
                demo.build()
                call_command("dumpdata", *FIXTURE_MODELS, indent=1, output=output, verbosity=0)
                raise _Rollback
        except _Rollback:
            pass
        self.stdout.write(self.style.SUCCESS(f"Wrote {output}"))
