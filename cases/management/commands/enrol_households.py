from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Cooperative, Project
from cases.services import project_enrol_households
from cases.wording import join_sentences


class Command(BaseCommand):
    help = (
        "Enrol households in a project: a case (not contacted) for every household of the "
        "project's cooperatives (or of the cooperatives named) that has none yet. Safe to run "
        "again. Refused as a whole for a completed project or a cooperative it does not cover."
    )

    def add_arguments(self, parser):
        parser.add_argument("project_id", type=int, help="the project's id (see the admin)")
        parser.add_argument(
            "--cooperative",
            type=int,
            action="append",
            dest="cooperatives",
            metavar="ID",
            help="only this cooperative's households (repeat for several; default: every "
            "cooperative the project covers)",
        )
        parser.add_argument("--dry-run", action="store_true", help="count, write nothing")

    def handle(self, *args, **options):
        project = Project.objects.filter(pk=options["project_id"]).first()
        if project is None:
            raise CommandError(_("There is no project %(id)d.") % {"id": options["project_id"]})
        cooperatives = None
        if options["cooperatives"]:
            wanted = set(options["cooperatives"])
            cooperatives = list(Cooperative.objects.filter(pk__in=wanted))
            unknown = sorted(wanted - {c.pk for c in cooperatives})
            if unknown:
                raise CommandError(
                    _("There is no cooperative %(ids)s.")
                    % {"ids": ", ".join(str(pk) for pk in unknown)}
                )
        try:
            with transaction.atomic():
                enrolment = project_enrol_households(
                    project=project, cooperatives=cooperatives, by=None
                )
                if options["dry_run"]:
                    transaction.set_rollback(True)
        except ValidationError as exc:
            raise CommandError(join_sentences(exc.messages)) from None
        self.stdout.write(f"{project.name}: {enrolment.summary(dry_run=options['dry_run'])}")
