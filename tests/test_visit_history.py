"""A visit's visitors in its history (``Visit.history``'s ``m2m_fields``): every path that writes
a visit or changes its visitors writes one history row per change, whose snapshot holds the
visitors after it, and the household page tells a change of them by name."""

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cases import audit
from cases.models import Case, Stance, Visit
from cases.services import casework, visit_correct, visit_record

from .factories import CaseFactory, township_staff
from .support import admin_visit_post
from .test_admin_changelists import _admin_data
from .test_visit_correct import _as_it_says

Snapshot = Visit.history.model.visitors.model


def _person(username, family, given):
    return township_staff(username=username, last_name=family, first_name=given)


@pytest.fixture
def chen(staff):
    staff.last_name, staff.first_name = "陈", "晓华"
    staff.save()
    return staff


@pytest.fixture
def guan(db):
    return _person("guan", "关", "淑仪")


def _history(visit) -> list[tuple]:
    """Each history row of ``visit``, oldest first: its type and the visitors it holds."""
    return [
        (
            row.history_type,
            sorted(row.visitors.values_list("user__username", flat=True)),
        )
        for row in visit.history.order_by("history_id")
    ]


def _log(case, recorded_by, visitors=()) -> Visit:
    visit, _created = visit_record(
        case=case,
        recorded_by=recorded_by,
        visitors=visitors,
        visited_on=date(2021, 5, 6),
        stance=Stance.OPPOSED,
    )
    return visit


@pytest.mark.parametrize("path", ["service", "orm"])
def test_a_new_visit_has_one_history_row_holding_its_visitors(yannan_case, chen, guan, path):
    """The service (the statement of ``cases.visit_writes`` on PostgreSQL, the ORM elsewhere)
    and the ORM path itself on every database: simple-history alone would write the visit's
    row with no visitors, then another when they are set."""
    if path == "service":
        visit = _log(yannan_case, chen, [chen, guan])
    else:
        fields = dict(
            visited_on=date(2021, 5, 6),
            place="home",
            stance=Stance.OPPOSED,
            concerns=[],
            notes="",
            next_follow_up_on=None,
            client_id=casework.uuid.uuid4(),
        )
        pk, _created = casework._visit_insert_orm(yannan_case, chen, [chen, guan], None, fields)
        visit = Visit.objects.get(pk=pk)
    assert _history(visit) == [("+", ["guan", "staff"])]
    [shown] = [r for r in audit.household_history(yannan_case.household, chen) if r.what == "visit"]
    assert shown.kind == "created"
    assert [(c.field, c.old, c.new) for c in shown.changes] == [("visitors", "—", "陈晓华, 关淑仪")]


def test_a_change_of_visitors_is_one_history_row_with_the_visitors_after_it(
    yannan_case, chen, guan
):
    visit = _log(yannan_case, chen, [chen, guan])
    visit_correct(visit=visit, user=guan, **_as_it_says(visit, visitors=[chen]))
    assert _history(visit) == [("+", ["guan", "staff"]), ("~", ["staff"])]
    row = visit.history.latest("history_id")
    assert (row.history_user, row.history_change_reason) == (guan, None)  # no stopgap reason
    shown = audit.household_history(yannan_case.household, chen)[0]
    assert (shown.who, shown.what, shown.kind, shown.reason) == (guan, "visit", "changed", "")
    assert [(c.field, c.old, c.new) for c in shown.changes] == [
        ("visitors", "陈晓华, 关淑仪", "陈晓华")
    ]


def test_visitors_and_notes_corrected_at_once_are_one_row_with_both_changes(
    yannan_case, chen, guan
):
    visit = _log(yannan_case, chen)
    visit_correct(visit=visit, user=chen, **_as_it_says(visit, visitors=[guan], notes="再访"))
    assert _history(visit) == [("+", ["staff"]), ("~", ["guan"])]
    shown = audit.household_history(yannan_case.household, chen)[0]
    assert {(c.field, c.old, c.new) for c in shown.changes} == {
        ("visitors", "陈晓华", "关淑仪"),
        ("notes", "—", "再访"),
    }


def test_a_correction_that_changes_nothing_writes_no_row_and_no_snapshot(yannan_case, chen, guan):
    visit = _log(yannan_case, chen, [chen, guan])
    rows = Visit.history.count(), Snapshot.objects.count(), Case.history.count()
    # The same visitors in another order: no change.
    visit_correct(visit=visit, user=chen, **_as_it_says(visit, visitors=[guan, chen]))
    assert (Visit.history.count(), Snapshot.objects.count(), Case.history.count()) == rows


def test_the_household_page_shows_a_change_of_visitors_by_name(client, yannan_case, chen, guan):
    visit = _log(yannan_case, chen)
    visit_correct(visit=visit, user=chen, **_as_it_says(visit, visitors=[chen, guan]))
    client.force_login(chen)
    page = client.get(reverse("household_detail", args=[yannan_case.household_id])).content
    page = page.decode()
    assert "<del>陈晓华</del> → <ins>陈晓华、关淑仪</ins>" in page  # Chinese by default


def test_twenty_visitors_are_all_named_in_the_history(yannan_case, chen):
    """They were once a reason of at most 100 characters."""
    many = [_person(f"u{n}", "欧阳", f"{n:02d}号") for n in range(20)]
    visit = _log(yannan_case, chen)
    visit_correct(visit=visit, user=chen, **_as_it_says(visit, visitors=many))
    [change] = audit.household_history(yannan_case.household, chen)[0].changes
    assert change.new.startswith("欧阳00号, ") and change.new.endswith("欧阳19号")
    assert len(change.new.split(", ")) == 20


def test_rows_from_before_visitors_were_in_the_history_show_them_as_not_recorded(
    yannan_case, chen, guan
):
    """No data migration: an older row has no snapshot. It shows no visitors, its reason as
    it was recorded, and the first row after it the visitors as "not recorded" before."""
    visit = _log(yannan_case, chen)
    Snapshot.objects.all().delete()  # as a visit logged before the migration
    Visit.history.filter(id=visit.pk).update(history_change_reason="Visitors: 陈晓华 → 陈晓华")
    visit_correct(visit=visit, user=chen, **_as_it_says(visit, visitors=[guan]))
    changed, created = [
        r for r in audit.household_history(yannan_case.household, chen) if r.what == "visit"
    ]
    assert (created.kind, created.changes, created.reason) == (
        "created",
        [],
        "Visitors: 陈晓华 → 陈晓华",
    )
    assert [(c.field, c.old, c.new) for c in changed.changes] == [
        ("visitors", "not recorded", "关淑仪")
    ]


def test_a_correction_shows_on_the_household_page_when_the_case_has_no_history(
    client, yannan_case, chen, guan
):
    """A case loaded from a fixture (every case of the demo) has no history row: the household
    page found its visits' history through the cases' history alone, and showed nothing."""
    visit = _log(yannan_case, chen)
    Case.history.all().delete()
    Visit.history.all().delete()  # as the demo: visits loaded without history
    visit_correct(visit=visit, user=chen, **_as_it_says(visit, visitors=[chen, guan]))
    rows = audit.household_history(yannan_case.household, chen)
    assert [row.kind for row in rows if row.what == "visit"] == ["changed"]
    client.force_login(chen)
    page = client.get(reverse("household_detail", args=[yannan_case.household_id]))
    assert "关淑仪" in page.content.decode().split('class="history card"')[-1]


def test_a_deleted_visitor_is_shown_by_the_id_the_history_kept(yannan_case, chen):
    gone = _person("gone", "何", "离")
    visit = _log(yannan_case, chen, [gone])
    visit_correct(visit=visit, user=chen, **_as_it_says(visit, visitors=[chen]))
    gone_pk = gone.pk
    Visit.history.model.objects.filter(history_user=gone).update(history_user=None)
    gone.staff_profile.delete()
    gone.delete()
    [change] = audit.household_history(yannan_case.household, chen)[0].changes
    assert (change.old, change.new) == (f"#{gone_pk}", "陈晓华")


def test_a_user_removed_from_a_visit_is_still_named_in_the_records(yannan_case, chen, guan):
    """Deleting them would leave the visit's history naming no one."""
    visit = _log(yannan_case, chen, [chen, guan])
    visit_correct(visit=visit, user=chen, **_as_it_says(visit, visitors=[chen]))
    assert not Visit.visitors.through.objects.filter(user=guan).exists()
    assert audit.user_is_named_in_records(guan)


def test_the_household_history_costs_the_same_queries_for_one_visit_or_many(
    yannan_project, yannan_household, chen, guan
):
    """Five reads (and two for the user's permissions, the first time), however many visits
    and changes of visitors: the snapshots are read for all the visits at once."""

    def read(household):
        reader = type(chen).objects.get(pk=chen.pk)  # permissions not yet cached
        with CaptureQueriesContext(connection) as captured:
            rows = audit.household_history(household, reader)
        return rows, len(captured)

    one = CaseFactory(project=yannan_project, household=yannan_household)
    _log(one, chen)
    rows, one_visit = read(yannan_household)
    assert len([r for r in rows if r.what == "visit"]) == 1

    many = CaseFactory()
    for _n in range(6):
        visit = _log(many, chen, [chen, guan])
        visit_correct(visit=visit, user=chen, **_as_it_says(visit, visitors=[guan]))
    rows, many_visits = read(many.household)
    visitors = [c for r in rows for c in r.changes if c.field == "visitors"]
    assert len(visitors) == 12 and visitors[0].new == "关淑仪"
    assert one_visit == many_visits <= 7


def test_a_change_of_visitors_in_the_admin_is_one_history_row(
    client, superuser, yannan_case, chen, guan
):
    visit = _log(yannan_case, chen)
    client.force_login(superuser)
    url = reverse("admin:cases_visit_change", args=[visit.pk])
    data = _admin_data(client, url, visitors=f"{chen.pk},{guan.pk}", concerns=[])
    assert client.post(url, data).status_code == 302
    assert _history(visit) == [("+", ["staff"]), ("~", ["guan", "staff"])]
    assert visit.history.latest("history_id").history_user == superuser
    with translation.override("en"):  # the page's language stays active after the request
        shown = audit.household_history(yannan_case.household, chen)[0]
    assert [(c.field, c.old, c.new) for c in shown.changes] == [
        ("visitors", "陈晓华", "陈晓华, 关淑仪")
    ]
    # Reverted from the history page: one row, with the visitors of the old version.
    version = visit.history.earliest("history_id")
    url = reverse("admin:cases_visit_simple_history", args=[visit.pk, version.pk])
    data = _admin_data(client, url, visitors=str(chen.pk), concerns=[])
    assert client.post(url, data).status_code == 302
    assert _history(visit)[-1] == ("~", ["staff"]) and len(_history(visit)) == 3


def test_the_admin_history_page_names_the_visitors(client, superuser, yannan_case, chen, guan):
    visit = _log(yannan_case, chen)
    visit_correct(visit=visit, user=chen, **_as_it_says(visit, visitors=[chen, guan]))
    client.force_login(superuser)
    page = client.get(reverse("admin:cases_visit_history", args=[visit.pk])).content.decode()
    assert "[陈晓华]" in page and "[陈晓华, 关淑仪]" in page
    assert "[staff" not in page


def test_a_visit_added_in_the_admin_is_one_history_row_with_its_visitors(
    client, superuser, yannan_case, chen, guan
):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:cases_visit_add"), admin_visit_post(yannan_case, [chen, guan])
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    visit = Visit.objects.get()
    assert _history(visit) == [("+", ["guan", "staff"])]


def test_visitors_changed_from_the_users_side_are_in_each_visits_history(
    yannan_project, chen, guan
):
    """No writer of the app does so; simple-history alone raised (a user has no history)."""
    first = _log(CaseFactory(project=yannan_project), chen)
    second = _log(CaseFactory(project=yannan_project), chen, [chen, guan])
    guan.visits.add(first)
    assert _history(first)[-1] == ("~", ["guan", "staff"])
    guan.visits.clear()
    assert _history(first)[-1] == ("~", ["staff"]) and len(_history(first)) == 3
    assert _history(second) == [("+", ["guan", "staff"]), ("~", ["staff"])]


def test_loading_a_fixture_writes_no_history(tmp_path, yannan_case, chen, guan):
    """``loaddata`` (the demo) sets a loaded visit's visitors after saving it ``raw``: that
    writes no history row either (the demo's fixture holds none)."""
    visit = _log(yannan_case, chen, [chen, guan])
    fixture = tmp_path / "visit.json"
    data = json.loads(
        call_command_output("dumpdata", "cases.visit", "--pks", str(visit.pk), "--format=json")
    )
    Visit.history.model.objects.all().delete()
    Snapshot.objects.all().delete()
    visit.visitors.through.objects.all().delete()
    fixture.write_text(json.dumps(data))
    call_command("loaddata", str(fixture), verbosity=0)
    assert sorted(visit.visitors.values_list("username", flat=True)) == ["guan", "staff"]
    assert (Visit.history.count(), Snapshot.objects.count()) == (0, 0)


def call_command_output(*args) -> str:
    import io

    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_snapshot_table_indexes_only_what_is_read():
    """Read by its history row (the household page, ``diff_against``) and by its user
    (``audit.user_is_named_in_records``); every other index would cost every visit a write."""
    indexed = {f.name for f in Snapshot._meta.concrete_fields if f.db_index or f.primary_key}
    assert indexed == {"m2m_history_id", "history", "user"}
    assert Visit.history.model._meta.get_field("id").db_index  # the visit's own history's
