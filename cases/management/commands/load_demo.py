from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from cases import roles
from cases.models import StaffProfile, Township, Village

DEMO_PASSWORD = "jiujiang-demo"
#: username, role, villages in scope, party branch
DEMO_USERS = [
    ("admin", roles.TOWNSHIP_ADMIN, [], "九江机关第六党支部"),
    ("staff", roles.TOWNSHIP_STAFF, [], "九江机关第六党支部"),
    ("cadre", roles.VILLAGE_CADRE, ["烟南村"], "烟南村党委"),
]


class Command(BaseCommand):
    help = (
        "Load the demo data (fixtures/demo.json) once, and create the demo log-ins "
        "admin, staff and cadre with the password jiujiang-demo. Safe to run again."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        if Township.objects.filter(name="九江镇").exists():
            self.stdout.write("Demo data already loaded.")
        else:
            self.stdout.write("Loading the demo data…")
            call_command("loaddata", "demo", verbosity=0)
        roles.ensure_roles()
        user_model = get_user_model()
        for username, role, village_names, branch_name in DEMO_USERS:
            user, created = user_model.objects.get_or_create(
                username=username, defaults={"is_staff": True}
            )
            if created:
                user.is_superuser = username == "admin"
                user.set_password(DEMO_PASSWORD)
                user.save()
                user.groups.add(Group.objects.get(name=role))
                profile = StaffProfile.objects.create(
                    user=user,
                    branch_id=Township.objects.get(name="九江镇").branches.get(name=branch_name).pk,
                    title=str(roles.LABELS[role]),
                )
                profile.villages.set(Village.objects.filter(name__in=village_names))
        self.stdout.write(
            self.style.SUCCESS(
                "Demo log-ins (password jiujiang-demo): admin (administrator), "
                "staff (township staff), cadre (烟南村 cadre)"
            )
        )
