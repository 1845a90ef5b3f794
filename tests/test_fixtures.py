"""Fixtures load: the demo, and a dump another installation made with the README's command."""

from datetime import date

from django.contrib.auth import get_user_model
from django.core.management import call_command

from cases import models
from cases.models import Household, StaffProfile, Visit

from .factories import CaseFactory, HouseholdFactory, MemberFactory

#: The README's export command, as arguments to dumpdata.
DUMP_ARGS = [
    "--natural-foreign",
    "--natural-primary",
    "-e",
    "contenttypes",
    "-e",
    "auth.permission",
    "-e",
    "admin.logentry",
    "-e",
    "sessions",
    "-e",
    "cases.importjob",
    *[
        arg
        for name in ("household", "member", "case", "visit", "visit_visitors", "vote", "ballot")
        for arg in ("-e", f"cases.historical{name}")
    ],
]
MODELS = [models.Township, models.Village, models.Cooperative, Household, models.Member]
MODELS += [models.Project, models.Stage, models.Meeting, models.Case, Visit]
MODELS += [models.Vote, models.Voter, models.Ballot, models.PartyBranch]


def empty_the_database():
    """``flush`` would TRUNCATE, which PostgreSQL refuses inside the test's transaction."""
    for model in [*reversed(MODELS), StaffProfile, get_user_model()]:
        model.objects.all().delete()


def snapshot():
    return {m.__name__: m.objects.count() for m in MODELS}


def test_a_dump_from_another_installation_loads_into_an_empty_database(
    tmp_path, cadre_yannan, yannan_coop, yannan_project
):
    cadre_yannan.set_password("jiujiang-demo")
    cadre_yannan.save()
    for _n in range(5):
        household = HouseholdFactory(cooperative=yannan_coop)
        MemberFactory(household=household)
        case = CaseFactory(project=yannan_project, household=household)
    visit = Visit.objects.create(
        case=case,
        project=case.project,
        village=case.household.cooperative.village,
        visited_on=date(2021, 3, 1),
        recorded_by=cadre_yannan,
    )
    visit.visitors.add(cadre_yannan)
    before = snapshot()
    cadre = get_user_model().objects.get(username="cadre_yannan")
    dump = tmp_path / "export.json"
    call_command("dumpdata", *DUMP_ARGS, "--indent", "1", "-o", str(dump), verbosity=0)
    # No history comes along, the visitors' snapshots included (they point at history rows).
    assert '"model": "cases.historical' not in dump.read_text()

    empty_the_database()  # a fresh installation: roles only
    assert snapshot() == dict.fromkeys(before, 0)
    call_command("loaddata", str(dump), verbosity=0)

    assert snapshot() == before
    assert before["Household"] == 5
    loaded = get_user_model().objects.get(username="cadre_yannan")
    assert loaded.groups.get().name == "village_cadre"
    assert list(StaffProfile.objects.get(user=loaded).villages.values_list("name", flat=True)) == [
        "烟南村"
    ]
    assert loaded.check_password("jiujiang-demo") and cadre.password == loaded.password
    assert Visit.objects.filter(visitors__isnull=False).exists()
