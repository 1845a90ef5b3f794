from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cases import roles


class Command(BaseCommand):
    help = (
        "Create the roles (township_admin, township_staff, village_cadre, leader) as groups and "
        "set their permissions exactly. Safe to run again; migrate does the same."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        missing = roles.ensure_roles()
        if missing:
            raise CommandError(
                "These permissions do not exist; run 'manage.py migrate' first: "
                + ", ".join(missing)
            )
        for role, codenames in roles.ROLE_PERMISSIONS.items():
            self.stdout.write(f"{role}: {len(codenames)} permissions ({roles.LABELS[role]})")
        self.stdout.write(self.style.SUCCESS("Roles are up to date."))
