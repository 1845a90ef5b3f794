"""``check_figures``: what a case keeps of its visits, and what a visit keeps of its case, checked
against their sources, and recomputed on request."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case, Visit
from cases.services import visit_record
from cases.services.integrity import figures_check, figures_repair

from .factories import CaseFactory, HouseholdFactory, VillageFactory


def _visit(case, user, day, stance, follow_up=None):
    visit_record(
        case=case,
        recorded_by=user,
        visited_on=day,
        stance=stance,
        next_follow_up_on=follow_up,
    )


@pytest.fixture
def cases(yannan_project, yannan_coop, staff):
    """Three cases as the app leaves them: opposed after two visits, signed, never visited."""
    opposed, signed, untouched = (
        CaseFactory(project=yannan_project, household=HouseholdFactory(cooperative=yannan_coop))
        for _ in range(3)
    )
    _visit(opposed, staff, date(2021, 3, 1), "undecided")
    _visit(opposed, staff, date(2021, 3, 9), "opposed", date(2021, 3, 20))
    _visit(signed, staff, date(2021, 3, 2), "supportive")
    Case.objects.filter(pk=signed.pk).update(
        status=Case.Status.SIGNED, agreement_signed_on=date(2021, 3, 5)
    )
    return opposed, signed, untouched


def _run(*args):
    out = StringIO()
    call_command("check_figures", *args, stdout=out)
    return out.getvalue()


def test_what_the_app_wrote_agrees_with_itself(cases):
    report = figures_check()
    assert (report.cases, report.visits, report.drifts) == (3, 3, [])
    assert "Every figure agrees with the visits." in _run()


def test_a_figure_changed_outside_the_app_is_named_and_the_command_fails(cases):
    opposed, _signed, untouched = cases
    Case.objects.filter(pk=opposed.pk).update(visit_count=5, stance="supportive")
    Case.objects.filter(pk=untouched.pk).update(last_visit_on=date(2021, 1, 1))
    report = figures_check()
    figures = {d.case_id: d.figures for d in report.drifts}
    assert figures == {
        opposed.pk: {"visit_count": (5, 2), "stance": ("supportive", "opposed")},
        untouched.pk: {"last_visit_on": (date(2021, 1, 1), None)},
    }
    out = StringIO()
    with pytest.raises(CommandError, match="2 cases keep figures that differ.*--fix"):
        call_command("check_figures", stdout=out)
    listed = out.getvalue()
    assert f"#{opposed.pk} {opposed.household}" in listed
    assert "visits 5 → 2" in listed and "stance supportive → opposed" in listed


def test_fix_recomputes_the_cases_with_a_history_row_naming_why(cases):
    opposed, signed, _untouched = cases
    Case.objects.filter(pk=opposed.pk).update(
        visit_count=1, last_visit_on=date(2021, 3, 1), next_follow_up_on=None, status="visited"
    )
    rows = opposed.history.count()
    out = _run("--fix")
    assert "Recomputed 1 case from its visits" in out
    opposed.refresh_from_db()
    assert (opposed.visit_count, opposed.last_visit_on, opposed.next_follow_up_on) == (
        2,
        date(2021, 3, 9),
        date(2021, 3, 20),
    )
    assert opposed.status == Case.Status.OPPOSED
    latest = opposed.history.order_by("-history_id").first()
    assert opposed.history.count() == rows + 1
    assert latest.history_change_reason.startswith("Figures recomputed from its visits")
    assert figures_check().drifts == []
    assert "Every figure agrees" in _run()  # and the command passes again


def test_a_signed_case_keeps_its_status_whatever_its_visits_say(cases):
    _opposed, signed, _untouched = cases
    assert figures_check().drifts == []  # signed after a supportive visit: no drift
    Case.objects.filter(pk=signed.pk).update(stance="opposed")
    (drift,) = figures_check().drifts
    assert drift.figures == {"stance": ("opposed", "supportive")}
    figures_repair([drift])
    signed.refresh_from_db()
    assert (signed.status, signed.stance) == (Case.Status.SIGNED, "supportive")


def test_the_latest_visit_is_the_latest_date_then_recording_time(cases, staff):
    opposed, _signed, _untouched = cases
    # Logged later but dated earlier: the case keeps the stance of 9 March.
    _visit(opposed, staff, date(2021, 3, 5), "supportive")
    assert figures_check().drifts == []
    Visit.objects.filter(case=opposed, visited_on=date(2021, 3, 9)).delete()
    (drift,) = figures_check().drifts
    assert drift.figures["stance"] == ("opposed", "supportive")


def test_a_visit_out_of_its_cases_village_is_found_and_moved_back(cases):
    opposed, _signed, _untouched = cases
    elsewhere = VillageFactory()
    Visit.objects.filter(case=opposed).update(village=elsewhere)
    (drift,) = figures_check().drifts
    assert (drift.case_id, drift.figures, drift.stale_visits) == (opposed.pk, {}, 2)
    with pytest.raises(CommandError, match="2 visits keep another project or village"):
        _run()
    assert "2 visits given their case's project and village again" in _run("--fix")
    assert set(Visit.objects.filter(case=opposed).values_list("village", flat=True)) == {
        opposed.household.cooperative.village_id
    }


def test_only_the_projects_named_are_checked(cases, zhennan_case):
    Case.objects.filter(pk=zhennan_case.pk).update(visit_count=3)
    yannan = cases[0].project_id
    assert "Checked 3 cases" in _run("--project", str(yannan))
    with pytest.raises(CommandError, match="1 case keeps figures that differ from its visits"):
        _run("--project", str(zhennan_case.project_id))


def test_an_unknown_project_is_one_sentence_and_nothing_is_written(cases):
    Case.objects.filter(pk=cases[0].pk).update(visit_count=9)
    with pytest.raises(CommandError, match=r"No project with id 999999\."):
        _run("--project", "999999", "--fix")
    assert Case.objects.get(pk=cases[0].pk).visit_count == 9


def test_the_check_reads_two_queries_a_chunk_whatever_the_visits(
    yannan_project, yannan_coop, staff
):
    for n in range(5):
        case = CaseFactory(
            project=yannan_project, household=HouseholdFactory(cooperative=yannan_coop)
        )
        for day in range(1, n + 2):
            _visit(case, staff, date(2021, 4, day), "undecided")
    with CaptureQueriesContext(connection) as queries:
        report = figures_check(chunk_size=2)
    # Three chunks of cases (2, 2, 1), each with its visits, and the empty read that ends it.
    assert (report.cases, report.visits, report.drifts) == (5, 15, [])
    assert len(queries) == 3 * 2 + 1
