"""A cadre's visit list: their villages' visits newest first, read along the village's index
(``Visit.village``, ``visit_village_date_idx``) whatever the project spans, page after page,
for one village or several (``PageByIds``)."""

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import roles
from cases.models import Visit

from .factories import (
    CooperativeFactory,
    PartyBranchFactory,
    ProjectFactory,
    StaffProfileFactory,
    UserFactory,
    VillageFactory,
    bulk_cases,
)
from .support import postgres_only


@pytest.fixture
def cadre_role(db):
    """A village cadre of the villages given."""

    def make(*villages):
        user = UserFactory(
            username="cadre_" + "_".join(str(v.pk) for v in villages), role=roles.VILLAGE_CADRE
        )
        StaffProfileFactory(user=user, villages=list(villages))
        return user

    return make


@pytest.fixture
def district(db, staff):
    """Three villages in one project; visits on shared days (``bulk_cases``)."""
    villages = [VillageFactory(name=f"村{i}") for i in range(3)]
    project = ProjectFactory(name="跨村项目", villages=villages)
    for i, (village, n) in enumerate(zip(villages, [70, 45, 10], strict=True)):
        coop = CooperativeFactory(village=village, name=f"经济社{i}")
        bulk_cases(project, coop, n, recorder=staff, start=100 * i)
    return villages, project


def _listed(client, params: dict) -> list[int]:
    pks, page = [], 1
    while True:
        response = client.get(reverse("visit_list"), params | {"page": page})
        pks += [visit.pk for visit in response.context["page"]]
        if not response.context["page"].has_next():
            return pks
        page += 1


@pytest.mark.parametrize("scope", [[0], [0, 1]])
@pytest.mark.parametrize("ordering", ["", "date", "-date"])
def test_a_cadre_reads_their_villages_visits_in_order_page_after_page(
    client, cadre_role, district, scope, ordering
):
    villages, project = district
    client.force_login(cadre_role(*[villages[i] for i in scope]))
    theirs = Visit.objects.filter(
        case__household__cooperative__village__in=[villages[i] for i in scope]
    )
    newest_first = ordering in ("", "-date")
    keys = ["-visited_on", "-pk"] if newest_first else ["visited_on", "pk"]
    expected = list(theirs.order_by(*keys).values_list("pk", flat=True))
    assert len(expected) > 50  # more than one page
    for params in ({}, {"project": project.pk}):
        if ordering:
            params = params | {"ordering": ordering}
        assert _listed(client, params) == expected, params


def _filters(project, visit, branch) -> dict:
    day = visit.visited_on.isoformat()
    return {
        "none": {},
        "project": {"project": project.pk},
        "dates": {"project": project.pk, "visited_on_after": day, "visited_on_before": day},
        "stance": {"project": project.pk, "stance": "opposed"},
        "visitor": {"project": project.pk, "visitor": visit.recorded_by_id},
        "branch": {"project": project.pk, "branch": branch.pk},
        "search": {"project": project.pk, "q": "批量户主"},
        "by number": {"project": project.pk, "ordering": "number"},
    }


def _queries(client, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("visit_list"), params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("scope", [[0], [0, 1]])
def test_a_cadres_visit_list_takes_as_many_queries_however_many_villages_the_project_spans(
    client, cadre_role, district, staff, scope, django_assert_max_num_queries
):
    villages, project = district
    client.force_login(cadre_role(*[villages[i] for i in scope]))
    visit = Visit.objects.filter(village=villages[0]).first()
    branch = PartyBranchFactory(village=villages[0])
    filters = _filters(project, visit, branch)
    small = {name: _queries(client, params) for name, params in filters.items()}
    for i in range(3, 8):  # the project now spans eight villages
        village = VillageFactory(name=f"村{i}")
        project.villages.add(village)
        coop = CooperativeFactory(village=village, name=f"经济社{i}")
        bulk_cases(project, coop, 20, recorder=staff, start=100 * i)
    for name, params in filters.items():
        # The permissions (2), the villages, the filter's choices, the count, the ids, the
        # rows and their visitors; a visitor or a branch chosen is read once more.
        with django_assert_max_num_queries(14 if name in ("visitor", "branch") else 13):
            assert _queries(client, params) == small[name], name


def _plan(sql: str, params) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        # A test table is small enough to read whole; ask whether an ordered index read exists.
        cursor.execute("ANALYZE cases_visit")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@postgres_only
@pytest.mark.parametrize("scope", [[0], [0, 1]])
def test_a_cadres_page_is_read_along_their_villages_date_index_without_sorting(
    client, cadre_role, district, scope
):
    villages, project = district
    client.force_login(cadre_role(*[villages[i] for i in scope]))
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("visit_list"), {"project": project.pk})
    [ids] = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith(
            ('SELECT "cases_visit"."id" AS "pk" FROM', '(SELECT "cases_visit"."id"')
        )
    ]  # the page's ids (``PageByIds``)
    plan = _plan(ids, None)
    assert "visit_village_date_idx" in plan, plan
    assert not re.search(r"\bSort  \(", plan), plan  # a Sort node; not Merge Append's key
    if len(scope) > 1:
        assert "Merge Append" in plan, plan


def test_a_cadre_of_several_villages_finding_nothing_sees_an_empty_list(
    client, cadre_role, district
):
    villages, project = district
    client.force_login(cadre_role(villages[0], villages[1]))
    response = client.get(reverse("visit_list"), {"project": project.pk, "q": "无此户主"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert list(response.context["page"]) == []
