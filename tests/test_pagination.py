"""Counts of huge lists: the planner's estimate for an unfiltered admin changelist on
PostgreSQL, exact otherwise; the case and visit lists count up to a cap."""

import pytest
from django.db import connection
from django.urls import reverse

from cases.models import Household
from cases.pagination import CappedCountPaginator, EstimatedCountPaginator, estimated_count

from .factories import HouseholdFactory


def _analyze(table: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")


@pytest.fixture
def households_counted_then_more(yannan_coop):
    """Twelve households when the statistics were taken, fifteen now."""
    HouseholdFactory.create_batch(12, cooperative=yannan_coop)
    _analyze("cases_household")
    HouseholdFactory.create_batch(3, cooperative=yannan_coop)


def test_an_unfiltered_list_takes_the_planners_estimate_on_postgresql(
    households_counted_then_more, monkeypatch
):
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 0)
    count = EstimatedCountPaginator(Household.objects.all(), 100).count
    if connection.vendor == "postgresql":
        assert count == estimated_count(Household.objects.all()) == 12  # as last analysed
    else:
        assert count == 15  # exact: no statistics to read
        assert estimated_count(Household.objects.all()) is None


def test_a_filtered_list_is_counted_exactly_up_to_the_cap(
    households_counted_then_more, monkeypatch
):
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 0)
    filtered = Household.objects.filter(number__gte="").order_by("pk")
    assert estimated_count(filtered) is None
    exact = EstimatedCountPaginator(filtered, 100)
    assert (exact.count, exact.capped, exact.estimated) == (15, False, False)
    monkeypatch.setattr(CappedCountPaginator, "cap", 10)
    capped = EstimatedCountPaginator(filtered, 4)
    assert (capped.count, capped.capped, capped.estimated, capped.num_pages) == (11, True, False, 3)
    assert len(capped.page(2).object_list) == 4


def test_an_estimate_is_never_called_capped(households_counted_then_more, monkeypatch):
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 0)
    monkeypatch.setattr(CappedCountPaginator, "cap", 5)
    paginator = EstimatedCountPaginator(Household.objects.order_by("pk"), 100)
    # ``capped`` asked first, before anything has read the count.
    if connection.vendor == "postgresql":
        assert (paginator.capped, paginator.estimated, paginator.count) == (False, True, 12)
    else:
        assert (paginator.capped, paginator.estimated, paginator.count) == (True, False, 6)


def test_a_small_table_is_counted_exactly_even_unfiltered(households_counted_then_more):
    assert EstimatedCountPaginator(Household.objects.all(), 100).count == 15


def test_the_capped_count_stops_one_past_the_cap(yannan_coop, monkeypatch):
    HouseholdFactory.create_batch(8, cooperative=yannan_coop)
    monkeypatch.setattr(CappedCountPaginator, "cap", 5)
    paginator = CappedCountPaginator(Household.objects.order_by("pk"), 2)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (6, True, 3)
    small = CappedCountPaginator(Household.objects.order_by("pk")[:4], 2)
    assert (small.count, small.capped) == (4, False)


def test_the_case_list_says_more_than_the_cap_and_still_pages(
    client, staff, yannan_project, yannan_coop, monkeypatch
):
    from .factories import bulk_cases

    bulk_cases(yannan_project, yannan_coop, 12, recorder=staff)
    monkeypatch.setattr(CappedCountPaginator, "cap", 5)
    monkeypatch.setattr("cases.views.casework.PAGE_SIZE", 2)
    client.force_login(staff)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("case_list"), {"page": 2}, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "more than 5 found" in html
    assert "page 2" in html and "page 2 of" not in html
    assert len(page.context["page"].object_list) == 2  # pages within the cap are whole


@pytest.mark.parametrize(
    "capped, estimated, expected",
    [
        (True, False, "more than 10,000 visits"),
        (False, True, "about 5,016,620 visits"),
        (False, False, "5,016,620 visits"),
    ],
)
def test_the_admin_count_says_more_than_about_or_the_number(capped, estimated, expected):
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    paginator = SimpleNamespace(capped=capped, estimated=estimated, cap=10_000)
    opts = SimpleNamespace(verbose_name="visit", verbose_name_plural="visits")
    cl = SimpleNamespace(paginator=paginator, opts=opts, result_count=5_016_620)
    assert render_to_string("admin/cases/_count.html", {"cl": cl}).strip() == expected
