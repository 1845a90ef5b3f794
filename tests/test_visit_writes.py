"""The visit form's write paths: the ORM one (every database) and the two-statement one of
``cases.visit_writes`` (PostgreSQL), which must write the same rows and history, keep the
permission and scope rules, store a re-sent form once and count concurrent visits right."""

import threading
import uuid
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services, visit_writes
from cases.models import Case, Stance, Visit
from cases.services import casework

from .factories import CaseFactory, HouseholdFactory, UserFactory
from .support import postgres_only, visit_form_data

TODAY = timezone.localdate()

#: (days before today, stance, follow-up in days or None): in time order, then one back-dated,
#: one on the same day as the latest, and the rest.
SCENARIO = [
    (20, Stance.UNDECIDED, None),
    (10, Stance.OPPOSED, 5),
    (15, Stance.SUPPORTIVE, None),  # back-dated: the case keeps the latest visit's stance
    (10, Stance.UNDECIDED, 3),  # same day as the latest: recorded later, so it wins
    (2, Stance.SUPPORTIVE, None),
]


def _fields(days: int, stance: str, follow_up: int | None, notes: str) -> dict:
    visited_on = TODAY - timedelta(days=days)
    return dict(
        visited_on=visited_on,
        place="workplace",
        stance=stance,
        concerns=["compensation", "tenants"],
        notes=notes,
        next_follow_up_on=visited_on + timedelta(days=follow_up) if follow_up else None,
        client_id=uuid.uuid4(),
    )


def _case_state(case: Case) -> tuple:
    case.refresh_from_db()
    return (case.visit_count, case.last_visit_on, case.stance, case.status, case.next_follow_up_on)


VISIT_FIELDS = ["visited_on", "place", "stance", "concerns", "notes", "next_follow_up_on"]


def _visit_rows(case: Case) -> list[tuple]:
    return [
        (*(getattr(v, f) for f in VISIT_FIELDS), v.project_id, v.branch_id, v.recorded_by_id)
        + (tuple(v.visitors.values_list("pk", flat=True)),)
        for v in case.visits.order_by("pk")
    ]


def _history(model, **lookup) -> list[tuple]:
    # The two paths' cases are of different households (and villages: each path's village is
    # checked by test_every_path_copies_the_households_village_onto_the_visit).
    skip = {"history_id", "history_date", "id", "client_id", "recorded_at", "case", "household"}
    skip.add("village")
    names = [f.attname for f in model.history.model._meta.concrete_fields if f.name not in skip]
    return list(model.history.filter(**lookup).order_by("history_id").values_list(*names))


def _visitor_snapshots(case: Case) -> list[tuple]:
    """The visitors each history row of the case's visits holds (``Visit.history``'s
    ``m2m_fields``), each snapshot row checked against the through row it copies."""
    through = {row.pk: row for row in Visit.visitors.through.objects.filter(visit__case=case)}
    snapshots = []
    for row in Visit.history.filter(case_id=case.pk).order_by("history_id"):
        copied = list(row.visitors.order_by("m2m_history_id"))
        for snapshot in copied:
            live = through[snapshot.id]
            assert (snapshot.visit_id, snapshot.user_id) == (live.visit_id, live.user_id)
            assert snapshot.visit_id == row.id
        snapshots.append((row.history_type, sorted(s.user_id for s in copied)))  # a set
    return snapshots


@postgres_only
@pytest.mark.parametrize("signed", [False, True])
def test_both_paths_write_the_same_rows_figures_and_history(staff, yannan_project, signed):
    """The same visits through the ORM path and the two-statement path: the same visits,
    visitors, case figures after each visit, and the same history rows, each visit's with a
    snapshot of its visitors."""
    cases = [CaseFactory(project=yannan_project) for _ in range(2)]
    colleague = UserFactory(username="colleague")
    visitors = [staff, colleague]
    visitor_ids = sorted([staff.pk, colleague.pk])
    if signed:
        for case in cases:
            services.case_sign(case=case, signed_on=TODAY - timedelta(days=30))
    states = {}
    for case, path in zip(cases, ["orm", "sql"], strict=True):
        states[path] = []
        for n, (days, stance, follow_up) in enumerate(SCENARIO):
            fields = _fields(days, stance, follow_up, notes=f"第{n}次")
            if path == "orm":
                visit_id, created = casework._visit_insert_orm(case, staff, visitors, None, fields)
            else:
                saved = casework._visit_insert_sql(
                    case_id=case.pk,
                    recorder=staff,
                    authorize=False,
                    visitor_ids=visitor_ids,
                    **fields,
                )
                visit_id, created = saved.visit_id, saved.created
            assert created and visit_id
            states[path].append(_case_state(case))
    assert states["orm"] == states["sql"]
    # The back-dated visit left the stance of the latest; the same-day one took over.
    assert [s[2] for s in states["sql"]] == [
        Stance.UNDECIDED,
        Stance.OPPOSED,
        Stance.OPPOSED,
        Stance.UNDECIDED,
        Stance.SUPPORTIVE,
    ]
    assert [s[3] == Case.Status.SIGNED for s in states["sql"]] == [signed] * len(SCENARIO)
    orm, sql = cases
    assert _visit_rows(orm) == _visit_rows(sql)
    assert _history(Visit, case_id=orm.pk) == _history(Visit, case_id=sql.pk)
    assert (
        _visitor_snapshots(orm) == _visitor_snapshots(sql) == [("+", visitor_ids)] * len(SCENARIO)
    )
    assert _history(Case, id=orm.pk) == _history(Case, id=sql.pk)
    assert len(_history(Case, id=sql.pk)) == len(SCENARIO) + 1 + signed


@postgres_only
def test_the_sql_path_records_the_request_user_in_the_history_like_simple_history(
    client, staff, yannan_case
):
    client.force_login(staff)
    url = reverse("visit_new", args=[yannan_case.pk])
    response = client.post(url, visit_form_data())
    assert response.status_code == 302
    visit = Visit.objects.get()
    [visit_history] = visit.history.all()
    assert (visit_history.history_type, visit_history.history_user) == ("+", staff)
    assert list(visit_history.visitors.values_list("user", flat=True)) == [staff.pk]
    case_history = Case.history.filter(id=yannan_case.pk).order_by("-history_id").first()
    assert (case_history.history_type, case_history.history_user) == ("~", staff)
    assert case_history.visit_count == 1


def test_the_visit_form_post_stores_the_visit_in_a_few_queries(client, staff, yannan_case):
    """PostgreSQL: the session, the user, then lock + write + commit, nothing else (the
    ordinary path took about twenty). SQLite takes the ORM path."""
    client.force_login(staff)
    url = reverse("visit_new", args=[yannan_case.pk])
    client.post(url, visit_form_data())  # the first post on a connection prepares the statements
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, visit_form_data(stance="supportive"))
    assert response.status_code == 302
    assert Visit.objects.count() == 2
    assert _case_state(yannan_case)[:3] == (2, TODAY, Stance.SUPPORTIVE)
    if connection.vendor == "postgresql":
        sql = [q["sql"] for q in queries.captured_queries]
        assert len(sql) <= 6, sql
        assert sum("EXECUTE landreform_visit" in s for s in sql) == 2
        assert not any("auth_permission" in s for s in sql)  # checked inside the lock


def test_a_resent_form_is_stored_once_and_says_so(english_client, staff, yannan_case):
    client = english_client
    client.force_login(staff)
    url = reverse("visit_new", args=[yannan_case.pk])
    data = visit_form_data()
    first = client.post(url, data, follow=True)
    second = client.post(url, data, follow=True)
    assert f"Visit to {yannan_case.household} saved." in first.content.decode()
    # Whose visit it was: the form may have been sent again from another household's page.
    assert (
        f"This visit to {yannan_case.household} had already been saved; it is stored once"
        in second.content.decode()
    )
    assert Visit.objects.count() == 1
    assert _case_state(yannan_case)[0] == 1


@pytest.mark.parametrize(
    "who, status",
    [("leader", 403), ("cadre_zhennan", 404), ("inactive", 302), ("no_profile_cadre", 404)],
)
def test_the_fast_path_keeps_the_permission_and_scope_rules(
    client, request, yannan_case, who, status
):
    """A leader may not log visits (403), another village's cadre may not see the case (404),
    an inactive user is logged out, a cadre with no villages sees nothing: the post falls
    back to the ordinary path, which answers as every page does, and nothing is stored."""
    if who == "inactive":
        user = request.getfixturevalue("staff")
        client.force_login(user)
        user.is_active = False
        user.save()
    elif who == "no_profile_cadre":
        from cases import roles

        user = UserFactory(username="cadre_nowhere", role=roles.VILLAGE_CADRE)
        client.force_login(user)
    else:
        client.force_login(request.getfixturevalue(who))
    response = client.post(reverse("visit_new", args=[yannan_case.pk]), visit_form_data())
    assert response.status_code == status
    assert not Visit.objects.exists()
    assert _case_state(yannan_case)[0] == 0


@postgres_only
def test_lock_case_checks_permission_and_scope_in_the_statement(
    staff, leader, cadre_yannan, cadre_zhennan, superuser, yannan_case
):
    def locked(user):
        with connection.cursor() as cursor:
            return visit_writes.lock_case(
                cursor, case_id=yannan_case.pk, recorder=user, authorize=True
            )

    assert locked(staff).household_label == str(yannan_case.household)
    assert locked(cadre_yannan).id == yannan_case.pk
    assert locked(superuser) is not None
    assert locked(leader) is None  # no add_visit
    assert locked(cadre_zhennan) is None  # another village
    with connection.cursor() as cursor:
        assert visit_writes.lock_case(cursor, case_id=-1, recorder=staff, authorize=True) is None


def test_other_visitors_and_bad_input_take_the_ordinary_form(client, staff, yannan_case):
    from cases import roles

    client.force_login(staff)
    url = reverse("visit_new", args=[yannan_case.pk])
    colleague = UserFactory(username="colleague", role=roles.TOWNSHIP_STAFF)
    from .factories import StaffProfileFactory

    StaffProfileFactory(user=colleague)
    response = client.post(url, visit_form_data(visitors=[staff.pk, colleague.pk]))
    assert response.status_code == 302
    assert set(Visit.objects.get().visitors.values_list("username", flat=True)) == {
        "staff",
        "colleague",
    }
    future = (TODAY + timedelta(days=1)).isoformat()
    response = client.post(url, visit_form_data(visited_on=future, notes="保留这段话"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "保留这段话" in page  # nothing typed is lost
    assert Visit.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_visits_to_one_case_are_all_counted(yannan_project, staff):
    """Four visits posted at once to the same case: the case lock orders them, so the case
    counts four visits and takes the stance of the last one recorded (PostgreSQL: threads;
    SQLite serialises writers, so the visits run one after the other)."""
    case = CaseFactory(project=yannan_project, household=HouseholdFactory())
    barrier = threading.Barrier(4)
    errors = []

    def log(n):
        from django.utils import translation

        try:
            if connection.vendor == "postgresql":
                barrier.wait(timeout=10)
            with translation.override("en"):
                services.visit_record(
                    case=case,
                    recorded_by=staff,
                    visited_on=date.today() - timedelta(days=n),
                    stance=Stance.OPPOSED if n else Stance.SUPPORTIVE,
                )
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            if connection.vendor == "postgresql":
                connection.close()

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=log, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    else:
        for n in range(4):
            log(n)
    assert errors == []
    count, last, stance, _status, _follow_up = _case_state(case)
    assert (count, last) == (4, date.today())
    assert stance == Stance.SUPPORTIVE  # the visit of today, whatever the order of commits
    assert Visit.objects.filter(case=case).count() == 4


def test_the_visit_list_shows_the_latest_recorded_first_within_a_day(client, staff, yannan_case):
    """Newest first, and within one day the visit recorded last first: the tie-break follows
    the sort's direction, so the (project, visited_on, id) index serves the page."""
    earlier = TODAY - timedelta(days=1)
    days = [earlier, TODAY, TODAY, earlier]
    ids = [
        services.visit_record(case=yannan_case, recorded_by=staff, visited_on=day)[0].pk
        for day in days
    ]
    client.force_login(staff)
    for query in ["", f"?project={yannan_case.project_id}"]:
        listed = client.get(reverse("visit_list") + query).context["page"].object_list
        assert [v.pk for v in listed] == [ids[2], ids[1], ids[3], ids[0]]


@pytest.mark.parametrize("path", ["orm", pytest.param("sql", marks=postgres_only), "form"])
def test_every_path_copies_the_households_village_onto_the_visit(
    client, staff, yannan_project, path
):
    """``Visit.village`` scopes every visit read; each write path copies it from the case's
    household (the two-statement path from its lock statement, at no extra query). The form
    takes the two statements on PostgreSQL and the ORM elsewhere."""
    case = CaseFactory(project=yannan_project)
    fields = _fields(1, Stance.OPPOSED, None, notes="")
    if path == "orm":
        casework._visit_insert_orm(case, staff, [staff], None, fields)
    elif path == "sql":
        services.visit_record(case=case, recorded_by=staff, **fields)
    else:
        client.force_login(staff)
        response = client.post(reverse("visit_new", args=[case.pk]), visit_form_data())
        assert response.status_code == 302
    visit = Visit.objects.get(case=case)
    assert visit.village_id == case.household.cooperative.village_id
    assert visit.history.get().village_id == visit.village_id
