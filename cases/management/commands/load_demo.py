from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from cases import demo, roles
from cases.models import VISIT_HISTORY, Case, StaffProfile, Township, Village, Visit

DEMO_PASSWORD = "jiujiang-demo"
#: username, role, villages in scope, party branch, (family name, given name): invented people,
#: as their staff profiles' titles say. Every role of ``cases.roles`` has its log-in, so that
#: whoever tries the demo can see what each kind of user sees.
DEMO_USERS = [
    ("admin", roles.TOWNSHIP_ADMIN, [], "九江机关第六党支部", ("黄", "立新")),
    ("staff", roles.TOWNSHIP_STAFF, [], "九江机关第六党支部", ("陈", "晓华")),
    ("cadre", roles.VILLAGE_CADRE, ["烟南村"], "烟南村党委", ("关", "淑仪")),
    ("leader", roles.LEADER, [], "九江机关第六党支部", ("冯", "德昌")),
]

#: What ``load_demo`` prints and ``make run`` echoes: each log-in with its role.
DEMO_LOG_INS = (
    "admin (administrator), staff (township staff), cadre (烟南村 cadre), "
    "leader (township leader, read-only)"
)


#: The project whose open cases the demo's ``staff`` log-in has visited (see credit_follow_ups).
FOLLOW_UP_PROJECT = "临港国际产业社区（烟南片区）土地征收"


def credit_follow_ups(user) -> int:
    """Make ``user`` a co-visitor on the latest visit of each open Yannan case that has a
    follow-up date, so that the demo's township staff log-in finds its own follow-ups on the
    home page ("My follow-ups"). The fixture's visitors are invented township workers; the
    demo log-ins are created after it, so they are added here. Returns the visits credited."""
    cases = Case.objects.open().filter(
        project__name=FOLLOW_UP_PROJECT, next_follow_up_on__isnull=False
    )
    latest = {}
    for visit in Visit.objects.filter(case__in=cases).order_by("case_id", "visited_on", "pk"):
        latest[visit.case_id] = visit.pk
    through = Visit.visitors.through
    through.objects.bulk_create(
        [through(visit_id=pk, user_id=user.pk) for pk in latest.values()],
        ignore_conflicts=True,
    )
    return len(latest)


def record_visit_history() -> int:
    """Give each demo visit the history row it would have had if logged in the app: "created"
    by its recorder when it was recorded, with its visitors. ``loaddata`` writes none (a
    fixture row is saved ``raw``), so the first correction of a demo visit showed its visitors
    before as "not recorded". Run after ``credit_follow_ups``, so the rows hold the visitors
    as they stand. Returns the rows written."""
    visits = list(
        Visit.objects.exclude(pk__in=Visit.history.values("id")).select_related("recorded_by")
    )
    for visit in visits:
        visit._history_date = visit.recorded_at
        visit._history_user = visit.recorded_by
    return len(VISIT_HISTORY.bulk_created(visits))


class Command(BaseCommand):
    help = (
        "Load the demo data (fixtures/demo.json) once, create the demo log-ins "
        "admin, staff, cadre and leader with the password jiujiang-demo, and open the demo's "
        "vote (dated from today). Safe to run again."
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
        users = {}
        for username, role, village_names, branch_name, (family, given) in DEMO_USERS:
            # A leader is not is_staff: the pages are all a leader has (README "Who may see
            # what"); everyone else may open the admin.
            user, created = user_model.objects.get_or_create(
                username=username, defaults={"is_staff": role != roles.LEADER}
            )
            users[username] = user
            if not (user.last_name or user.first_name):  # also log-ins made before they had names
                user.last_name, user.first_name = family, given
                user.save(update_fields=["last_name", "first_name"])
            if created:
                user.is_superuser = username == "admin"
                user.set_password(DEMO_PASSWORD)
                user.save()
                user.groups.add(Group.objects.get(name=role))
                profile = StaffProfile.objects.create(
                    user=user,
                    branch_id=Township.objects.get(name="九江镇").branches.get(name=branch_name).pk,
                    title=f"{roles.LABELS[role]}（演示，虚构）",
                )
                profile.villages.set(Village.objects.filter(name__in=village_names))
                if username == "staff":
                    credit_follow_ups(user)
        record_visit_history()
        if demo.open_vote(
            today=timezone.localdate(), opener=users["staff"], recorder=users["cadre"]
        ):
            self.stdout.write("Opened the demo's vote of 东头经济社 (dated from today).")
        self.stdout.write(
            self.style.SUCCESS(f"Demo log-ins (password {DEMO_PASSWORD}): {DEMO_LOG_INS}")
        )
