from django.core.management.base import BaseCommand

from cases.importing import import_jobs_expire


class Command(BaseCommand):
    help = (
        "Delete the roster uploads left unconfirmed longer than IMPORT_UPLOAD_HOURS (24), with "
        "their previews and errors (they hold ID and phone numbers). Safe to run from cron; "
        "every new upload does it too."
    )

    def handle(self, *args, **options):
        ended = import_jobs_expire()
        self.stdout.write(f"{ended} import job(s) ended, their uploads deleted.")
