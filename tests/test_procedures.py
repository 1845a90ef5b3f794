"""Statutory procedures: layout from templates, the stage rules at their boundaries, the
hearing trigger, unknown calendar years, evidence uploads, and the pages' query budgets.

Boundary dates are worked out by hand from the State Council notices (tests/test_workdays.py
asserts the library's data): National Day 2025 is 10-01..10-08, with make-up days on Sunday
09-28 and Saturday 10-11. Ten working days after Friday 2025-09-26 end on 10-16; the ninth is
10-15. Fifteen end on 10-23.
"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from cases.models import (
    Case,
    PeriodKind,
    ProcedureTemplate,
    Project,
    Stage,
    StageEvidence,
    WorkdayOverride,
)
from cases.procedures import (
    procedure_alerts,
    procedure_flags_for_projects,
    stage_flags,
    township_calendar,
)
from cases.services import (
    project_lay_out_stages,
    stage_check_done,
    stage_evidence_add,
    stage_mark_done,
)

from .factories import (
    CaseFactory,
    ProjectFactory,
    acquisition_project,
    cases_with_statuses,
    default_templates,
)
from .support import admin_post_data


@pytest.fixture
def client(english_client):
    """These tests read the pages' messages in English."""
    return english_client


POSTED = date(2025, 9, 26)  # Friday before National Day 2025
WORKING_DAY_9 = date(2025, 10, 15)
WORKING_DAY_10 = date(2025, 10, 16)
TODAY = date(2026, 11, 28)

PRE_ANNOUNCEMENT, SURVEY, PLAN_ANNOUNCEMENT, HEARING, REVISED_PLAN = 2, 3, 6, 7, 8
APPROVAL, ANNOUNCEMENT_ISSUED, ANNOUNCEMENT_POSTED, HOLDOUTS, PAYMENT = 12, 13, 14, 15, 16

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 64


@pytest.fixture
def project(yannan):
    return acquisition_project(start=date(2025, 9, 1), villages=[yannan])


def stage(project, order) -> Stage:
    return project.stages.get(order=order)


def row(status, order):
    return next(r for r in status.rows if r.stage.order == order)


def codes(status, order) -> list[str]:
    return [f.code for f in row(status, order).flags]


# --- the default templates ------------------------------------------------------------------


def test_default_acquisition_template_carries_the_statutory_periods(db):
    default_templates()
    template = ProcedureTemplate.objects.get(project_kind=Project.Kind.ACQUISITION, is_default=True)
    periods = {
        s.order: (s.period_kind, s.period_amount, s.period_unit, s.requirement, s.condition)
        for s in template.steps.all()
    }
    ten_working_days = ("minimum", 10, "working_days", "required", "")
    assert periods[PRE_ANNOUNCEMENT] == ten_working_days
    assert periods[SURVEY] == ten_working_days
    assert periods[PLAN_ANNOUNCEMENT] == ("minimum", 30, "calendar_days", "required", "")
    majority = "hearing_if_majority_opposed"
    assert periods[HEARING] == ("none", None, "", "conditional", majority)
    assert periods[REVISED_PLAN] == ("minimum", 10, "working_days", "conditional", majority)
    assert periods[ANNOUNCEMENT_ISSUED] == ("deadline", 15, "working_days", "required", "")
    assert periods[ANNOUNCEMENT_POSTED] == ten_working_days
    assert periods[PAYMENT] == ("deadline", 3, "months", "required", "")
    payment = template.steps.get(order=PAYMENT)
    assert [s.order for s in payment.depends_on.all()] == [ANNOUNCEMENT_POSTED]


def test_the_six_steps_are_the_default_for_the_other_kinds(db):
    default_templates()
    for kind in ["consolidation", "park_renovation", "industrial_to_commercial"]:
        template = ProcedureTemplate.objects.get(project_kind=kind, is_default=True)
        names = [s.name_zh[:4] for s in template.steps.all()]
        assert names == ["民事民提", "民事民议", "民事民决", "民事民筹", "民事民办", "民事民评"]


# --- layout ---------------------------------------------------------------------------------


def test_layout_plans_the_earliest_dates_the_minimums_allow(project):
    pre = stage(project, PRE_ANNOUNCEMENT)
    assert (pre.planned_start, pre.due_on) == (date(2025, 9, 2), date(2025, 9, 16))
    survey = stage(project, SURVEY)
    # Starts on 09-17; ten working days: 09-18 … 09-30 (09-28 is a make-up Sunday).
    assert (survey.planned_start, survey.due_on) == (date(2025, 9, 17), date(2025, 9, 30))
    # The next step waits for National Day: first working day after 09-30 is 10-09.
    assert stage(project, 4).planned_start == date(2025, 10, 9)
    plan = stage(project, PLAN_ANNOUNCEMENT)
    assert plan.period_kind == PeriodKind.MINIMUM
    assert plan.due_on == date(2025, 11, 10)  # 10-11 (make-up Saturday) + 30 days
    # Nobody waits for the conditional hearing: registration follows the plan announcement.
    assert stage(project, 9).planned_start == date(2025, 11, 11)
    assert stage(project, PAYMENT).due_on == date(2026, 3, 23)  # 3 months after 12-22, art. 203
    assert stage(project, PAYMENT).depends_on.get().order == ANNOUNCEMENT_POSTED


def test_a_project_with_stages_is_not_laid_out_twice(project):
    with pytest.raises(ValidationError):
        project_lay_out_stages(project=project, start=date(2025, 9, 1))
    assert project.stages.count() == 17


# --- minimum periods at their boundaries, through the stage rules --------------------------


@pytest.mark.parametrize("order", [PRE_ANNOUNCEMENT, SURVEY, REVISED_PLAN, ANNOUNCEMENT_POSTED])
def test_ten_working_day_minimum_across_national_day_2025(project, staff, order):
    step = stage(project, order)
    with pytest.raises(ValidationError) as refused:
        stage_mark_done(stage=step, started_on=POSTED, done_on=WORKING_DAY_9, user=staff)
    assert "reason" in refused.value.message_dict
    assert "2025" in refused.value.message_dict["reason"][0]  # the day the minimum ends
    step.refresh_from_db()
    assert step.done_on is None  # nothing recorded

    done = stage_mark_done(stage=step, started_on=POSTED, done_on=WORKING_DAY_10, user=staff)
    assert (done.done_on, done.early_reason, done.done_by) == (WORKING_DAY_10, "", staff)
    assert codes(stage_flags(project, TODAY), order) == []


def test_the_make_up_saturday_is_one_of_the_ten_working_days(project, staff):
    """Without 10-11 (a Saturday) the tenth working day would be 10-17."""
    step = stage(project, PRE_ANNOUNCEMENT)
    stage_mark_done(stage=step, started_on=POSTED, done_on=date(2025, 10, 16), user=staff)
    assert codes(stage_flags(project, TODAY), PRE_ANNOUNCEMENT) == []


def test_plan_announcement_day_29_is_early_and_day_30_is_not(project, staff):
    step = stage(project, PLAN_ANNOUNCEMENT)
    posted = date(2025, 3, 3)
    with pytest.raises(ValidationError):
        stage_mark_done(stage=step, started_on=posted, done_on=date(2025, 4, 1), user=staff)
    stage_mark_done(stage=step, started_on=posted, done_on=date(2025, 4, 2), user=staff)
    assert codes(stage_flags(project, TODAY), PLAN_ANNOUNCEMENT) == []


def test_done_early_with_a_reason_is_kept_and_flagged(project, staff):
    step = stage(project, PRE_ANNOUNCEMENT)
    stage_mark_done(
        stage=step,
        started_on=POSTED,
        done_on=WORKING_DAY_9,
        user=staff,
        reason="上级要求提前",
    )
    flags = row(stage_flags(project, TODAY), PRE_ANNOUNCEMENT).flags
    assert [f.code for f in flags] == ["done_early"]
    assert "上级要求提前" in flags[0].message
    assert "2025" in flags[0].message


def test_a_step_done_early_gives_its_dates_as_the_pages_write_them(project, staff):
    """The flag read "Done on Oct. 15, 2025, before its legal minimum ended on Oct. 16, 2025"
    on an English page whose every other date reads 2025-10-15 (in Chinese, 2025年10月15日
    beside 2025-10-15)."""
    step = stage(project, PRE_ANNOUNCEMENT)
    for language in ("en", "zh-hans"):
        with translation.override(language), pytest.raises(ValidationError) as refused:
            stage_mark_done(stage=step, started_on=POSTED, done_on=WORKING_DAY_9, user=staff)
        assert WORKING_DAY_10.isoformat() in refused.value.message_dict["reason"][0]
    stage_mark_done(
        stage=step, started_on=POSTED, done_on=WORKING_DAY_9, user=staff, reason="上级要求提前"
    )
    for language in ("en", "zh-hans"):
        with translation.override(language):
            flag = row(stage_flags(project, TODAY), PRE_ANNOUNCEMENT).flags[0]
        assert WORKING_DAY_9.isoformat() in flag.message, flag.message
        assert WORKING_DAY_10.isoformat() in flag.message, flag.message


def test_a_minimum_step_needs_its_start_and_no_future_dates(project, staff):
    step = stage(project, PRE_ANNOUNCEMENT)
    with pytest.raises(ValidationError) as refused:
        stage_mark_done(stage=step, done_on=WORKING_DAY_10, user=staff)
    assert "started_on" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        stage_mark_done(stage=step, started_on=POSTED, done_on=date(2099, 1, 1), user=staff)
    assert "done_on" in refused.value.message_dict


# --- deadlines ------------------------------------------------------------------------------


def test_announcement_within_15_working_days_of_approval(project, staff):
    stage_mark_done(stage=stage(project, APPROVAL), done_on=POSTED, user=staff)
    issued = stage(project, ANNOUNCEMENT_ISSUED)
    assert row(stage_flags(project, date(2025, 10, 16)), ANNOUNCEMENT_ISSUED).deadline == date(
        2025, 10, 23
    )
    assert codes(stage_flags(project, date(2025, 10, 15)), ANNOUNCEMENT_ISSUED) == []
    assert codes(stage_flags(project, date(2025, 10, 16)), ANNOUNCEMENT_ISSUED) == ["deadline_soon"]
    assert codes(stage_flags(project, date(2025, 10, 24)), ANNOUNCEMENT_ISSUED) == [
        "deadline_passed"
    ]
    stage_mark_done(stage=issued, done_on=date(2025, 10, 24), user=staff)
    assert codes(stage_flags(project, TODAY), ANNOUNCEMENT_ISSUED) == ["done_late"]


def test_payment_within_3_months_of_the_announcement_period_ending(project, staff):
    posted = stage(project, ANNOUNCEMENT_POSTED)
    stage_mark_done(
        stage=posted, started_on=date(2025, 10, 16), done_on=date(2025, 10, 31), user=staff
    )
    payment = row(stage_flags(project, date(2025, 11, 1)), PAYMENT)
    # 2026-01-31 is a Saturday: the period ends on the next working day (民法典 art. 203).
    assert (payment.deadline, payment.deadline_running) == (date(2026, 2, 2), True)
    assert codes(stage_flags(project, date(2026, 2, 2)), PAYMENT) == ["deadline_soon"]
    assert codes(stage_flags(project, date(2026, 2, 3)), PAYMENT) == ["deadline_passed"]


def test_a_deadline_does_not_run_before_what_it_depends_on_is_done(project):
    payment = row(stage_flags(project, TODAY), PAYMENT)
    assert not payment.deadline_running
    assert payment.flags == []  # the planned date has passed, but the clock has not started


# --- where a stage stands against its plan -------------------------------------------------


def pre_announcement_done_late(project, staff) -> None:
    """The first stage done on the project's first day; the pre-announcement, planned for
    09-02 … 09-16, run from 10-20 to 11-03 (its ten working days)."""
    stage_mark_done(stage=stage(project, 1), done_on=date(2025, 9, 1), user=staff)
    stage_mark_done(
        stage=stage(project, PRE_ANNOUNCEMENT),
        started_on=date(2025, 10, 20),
        done_on=date(2025, 11, 3),
        user=staff,
    )


def test_a_stage_after_a_late_one_can_start_from_the_day_after_it_was_done(project, staff):
    """The survey was planned for 2025-09-17; the pre-announcement before it ran from 10-20 to
    11-03 (its ten working days), so the survey can start on 11-04 and its ten working days
    end on 11-18 (11-05 … 11-18), which is the project list's next date too."""
    pre_announcement_done_late(project, staff)
    status = stage_flags(project, date(2025, 11, 4))
    survey = row(status, SURVEY)
    assert (survey.planned_start, survey.ready_on) == (date(2025, 9, 17), date(2025, 11, 4))
    assert survey.minimum_ends == date(2025, 11, 18)
    assert survey.waiting_for == []
    assert status.next_row is survey and survey.due_by == date(2025, 11, 18)
    # Done on the plan's day before it: the plan stands and nothing is added.
    assert row(status, PRE_ANNOUNCEMENT).ready_on is None
    assert row(stage_flags(project, date(2025, 11, 4)), PRE_ANNOUNCEMENT).minimum_ends == date(
        2025, 11, 3
    )


def test_a_stage_whose_planned_start_passed_names_what_it_waits_for(project, staff):
    before_the_plan = stage_flags(project, date(2025, 9, 1))
    assert row(before_the_plan, 4).waiting_for == []  # planned for 10-09: nothing to say yet
    status = stage_flags(project, TODAY)
    assert [r.stage.order for r in row(status, 4).waiting_for] == [SURVEY]
    assert row(status, 4).ready_on is None
    # Registration waits for the plan's announcement, through the hearing steps not required.
    assert [r.stage.order for r in row(status, 9).waiting_for] == [PLAN_ANNOUNCEMENT]
    assert row(status, 1).waiting_for == []  # the first stage waits for nothing
    assert row(status, HEARING).waiting_for == []  # not required while nobody is opposed


def test_the_procedure_page_says_when_a_late_plan_can_go_on(client, staff, project):
    pre_announcement_done_late(project, staff)
    client.force_login(staff)
    page = client.get(reverse("project_procedure", args=[project.pk])).content.decode()
    survey = page[page.index(f'id="stage-{stage(project, SURVEY).pk}"') :]
    survey = survey[: survey.index("</li>")]
    assert "Can start from</dt><dd>2025-11-04" in survey
    assert "Minimum ends</dt><dd>2025-11-18" in survey
    fourth = page[page.index(f'id="stage-{stage(project, 4).pk}"') :]
    fourth = fourth[: fourth.index("</li>")]
    assert "Waiting for</dt><dd>3. " in fourth


# --- the hearing trigger --------------------------------------------------------------------


def test_exactly_half_opposed_does_not_require_a_hearing(project, yannan):
    cases_with_statuses(project, yannan, opposed=2, supportive=2)
    status = stage_flags(project, TODAY)
    assert (status.hearing.opposed, status.hearing.total) == (2, 4)
    assert not status.hearing.required
    assert not row(status, HEARING).required
    assert codes(status, HEARING) == []


def test_just_over_half_opposed_requires_the_hearing_with_the_figure(project, yannan):
    cases_with_statuses(project, yannan, opposed=3, supportive=1, signed=1)
    status = stage_flags(project, TODAY)
    assert status.hearing.required and status.hearing.needed == 3
    hearing = row(status, HEARING)
    assert hearing.required and hearing.conditional
    assert row(status, REVISED_PLAN).required
    [flag] = hearing.flags
    assert flag.code == "hearing_required"
    assert "3" in flag.message and "5" in flag.message and "60.0%" in flag.message


def test_holdout_decisions_are_required_while_a_household_has_not_signed(project, yannan):
    cases_with_statuses(project, yannan, signed=2)
    assert not row(stage_flags(project, TODAY), HOLDOUTS).required
    CaseFactory(project=project, household__cooperative__village=yannan)
    assert row(stage_flags(project, TODAY), HOLDOUTS).required


# --- unknown calendar years -----------------------------------------------------------------


def test_an_unknown_year_is_a_warning_until_the_township_enters_it(yannan, staff):
    """Laid out in November 2026, the acquisition runs into 2027, which the library lacks."""
    project = acquisition_project(start=date(2026, 10, 1), villages=[yannan])
    assert stage(project, ANNOUNCEMENT_ISSUED).due_on is None  # not guessed
    status = stage_flags(project, TODAY)
    assert status.unknown_years == [2027]
    assert "2027" in status.calendar_warnings[0]
    assert "Enter a year's holiday notice" in status.calendar_warnings[0]
    assert "calendar_unknown" in codes(status, ANNOUNCEMENT_ISSUED)
    assert "calendar_unknown" in codes(status, PAYMENT)  # and every step waiting for it

    WorkdayOverride.objects.create(date=date(2027, 1, 1), is_workday=False, note="元旦")
    status = stage_flags(project, TODAY)
    assert status.unknown_years == []
    issued = row(status, ANNOUNCEMENT_ISSUED)
    assert issued.due_on is not None and issued.flags == []


def test_marking_done_in_an_unknown_year_is_refused_with_the_message(yannan, staff):
    project = acquisition_project(start=date(2026, 10, 1), villages=[yannan])
    with pytest.raises(ValidationError) as refused:
        stage_check_done(
            stage=stage(project, PRE_ANNOUNCEMENT),
            started_on=date(2026, 12, 28),
            done_on=date(2027, 1, 8),
            reason="",
            calendar=township_calendar(),
            today=date(2027, 2, 1),
        )
    assert "2027" in refused.value.message_dict["done_on"][0]


# --- pages ----------------------------------------------------------------------------------


def test_procedure_page_shows_the_timeline_within_its_query_budget(
    client, staff, project, yannan, django_assert_max_num_queries, media_root
):
    cases_with_statuses(project, yannan, opposed=3, supportive=2)
    stage_mark_done(
        stage=stage(project, PRE_ANNOUNCEMENT),
        started_on=POSTED,
        done_on=WORKING_DAY_9,
        user=staff,
        reason="提前",
    )
    for order in (1, 2, 3):
        stage_evidence_add(
            stage=stage(project, order),
            upload=SimpleUploadedFile("notice.jpg", JPEG),
            user=staff,
        )
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("project_procedure", args=[project.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-flag="done_early"' in page
    assert 'data-flag="hearing_required"' in page
    assert "Households recorded as opposed: 3 of 5 (60.0%)" in page
    assert "(3 or more)" in page
    assert page.count("notice.jpg") == 3


def test_the_procedure_page_of_a_project_without_households_gives_no_figure(client, staff, project):
    """It read "0 of 0 (0.0%) … (1 or more)": one opposed household of none."""
    client.force_login(staff)
    page = client.get(reverse("project_procedure", args=[project.pk])).content.decode()
    assert "No household is enrolled in the project yet." in page
    assert "0 of 0" not in page and "or more" not in page


def test_procedure_page_is_404_out_of_scope(client, cadre_zhennan, project):
    client.force_login(cadre_zhennan)
    assert client.get(reverse("project_procedure", args=[project.pk])).status_code == 404


def test_flags_for_many_projects_take_a_fixed_number_of_queries(yannan, django_assert_num_queries):
    projects = [acquisition_project(start=date(2025, 9, 1), villages=[yannan]) for _ in range(3)]
    with django_assert_num_queries(4):
        statuses = procedure_flags_for_projects(projects, TODAY)
    assert {len(s.rows) for s in statuses.values()} == {17}


def test_six_step_projects_need_no_count_of_their_cases(yannan, django_assert_num_queries):
    """Only a conditional stage reads the case counts: flags for six-step projects take three
    queries, and with a land acquisition among them the one count is of that project alone."""
    kind = Project.Kind.CONSOLIDATION
    six_step = [acquisition_project(start=date(2025, 9, 1), villages=[yannan], kind=kind)]
    assert six_step[0].stages.exists()
    with django_assert_num_queries(3):
        procedure_flags_for_projects(six_step, TODAY)
    acquisition = acquisition_project(start=date(2025, 9, 1), villages=[yannan])
    with CaptureQueriesContext(connection) as queries:
        procedure_flags_for_projects([*six_step, acquisition], TODAY)
    counts = [q["sql"] for q in queries.captured_queries if 'FROM "cases_case"' in q["sql"]]
    assert len(queries.captured_queries) == 4 and len(counts) == 1
    assert str(acquisition.pk) in counts[0] and f"({six_step[0].pk}" not in counts[0]


def test_home_page_lists_a_passed_deadline(client, staff, project):
    stage_mark_done(stage=stage(project, APPROVAL), done_on=POSTED, user=staff)
    assert [f.code for _r, f in procedure_alerts([project], TODAY)[0][1]] == ["deadline_passed"]
    client.force_login(staff)
    page = client.get(reverse("home")).content.decode()
    assert reverse("project_procedure", args=[project.pk]) in page
    assert "2025" in page  # the deadline's date


def test_mark_done_form_keeps_what_was_typed_when_a_reason_is_missing(client, staff, project):
    step = stage(project, PRE_ANNOUNCEMENT)
    client.force_login(staff)
    url = reverse("stage_mark_done", args=[step.pk])
    data = {"started_on": "2025-09-26", "done_on": "2025-10-15", "reason": ""}
    response = client.post(url, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="2025-10-15"' in page
    assert "needs a reason" in page
    step.refresh_from_db()
    assert step.done_on is None

    response = client.post(url, {**data, "reason": "镇政府同意提前"})
    assert response.status_code == 302
    step.refresh_from_db()
    assert (step.done_on, step.early_reason) == (date(2025, 10, 15), "镇政府同意提前")


def test_mark_done_dates_are_iso_for_the_date_picker_in_chinese(client, staff, project):
    """A native date input shows nothing for a value that is not YYYY-MM-DD, and the Chinese
    date format is 2025/09/26: the prefilled start and today's date must stay ISO."""
    step = stage(project, PRE_ANNOUNCEMENT)
    step.started_on = POSTED
    step.save(update_fields=["started_on"])
    client.force_login(staff)
    url = reverse("project_procedure", args=[project.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert 'value="2025-09-26"' in page and 'value="2025/09/26"' not in page
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in page


def test_a_read_only_leader_cannot_mark_done(client, leader, project):
    client.force_login(leader)
    step = stage(project, 1)
    response = client.post(reverse("stage_mark_done", args=[step.pk]), {"done_on": "2025-09-01"})
    assert response.status_code == 403
    page = client.get(reverse("project_procedure", args=[project.pk])).content.decode()
    assert reverse("stage_mark_done", args=[step.pk]) not in page


# --- evidence uploads -----------------------------------------------------------------------


def upload(client, step, name, content):
    return client.post(
        reverse("stage_evidence_upload", args=[step.pk]),
        {"file": SimpleUploadedFile(name, content, content_type="image/jpeg")},
    )


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("notice.jpg", JPEG, "image/jpeg"),
        ("告示.png", PNG, "image/png"),
        ("x.pdf", PDF, "application/pdf"),
    ],
)
def test_photos_and_pdfs_are_kept_by_their_content(
    client, cadre_yannan, project, media_root, name, content, content_type
):
    client.force_login(cadre_yannan)
    step = stage(project, PRE_ANNOUNCEMENT)
    assert upload(client, step, name, content).status_code == 302
    evidence = StageEvidence.objects.get()
    assert (evidence.original_name, evidence.content_type, evidence.size) == (
        name,
        content_type,
        len(content),
    )
    assert evidence.file.name.startswith(f"evidence/{project.pk}/")
    assert (media_root / evidence.file.name).read_bytes() == content
    assert name not in evidence.file.name  # the client's name never reaches the disk


def test_a_file_of_the_wrong_type_is_refused_by_its_content(
    client, cadre_yannan, project, media_root
):
    client.force_login(cadre_yannan)
    response = upload(client, stage(project, 2), "notice.jpg", b"<html><script>x</script>")
    assert response.status_code == 400
    assert "is not a JPEG or PNG photo or a PDF" in response.content.decode()
    assert not StageEvidence.objects.exists()
    assert not (media_root / "evidence").exists()


def test_a_file_too_large_is_refused_with_the_limit(
    client, cadre_yannan, project, media_root, settings
):
    settings.EVIDENCE_MAX_BYTES = 50
    client.force_login(cadre_yannan)
    response = upload(client, stage(project, 2), "big.jpg", JPEG)
    assert response.status_code == 400
    page = response.content.decode()
    assert "big.jpg" in page and "50" in page
    assert not StageEvidence.objects.exists()


def test_evidence_is_served_in_scope_with_safe_headers(client, cadre_yannan, project, media_root):
    evidence = stage_evidence_add(
        stage=stage(project, 2), upload=SimpleUploadedFile("公告.pdf", PDF), user=cadre_yannan
    )
    client.force_login(cadre_yannan)
    response = client.get(reverse("evidence_file", args=[evidence.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "filename*=utf-8''%E5%85%AC%E5%91%8A.pdf" in response["Content-Disposition"]


def test_evidence_out_of_scope_is_404(client, cadre_yannan, cadre_zhennan, project, media_root):
    evidence = stage_evidence_add(
        stage=stage(project, 2), upload=SimpleUploadedFile("a.png", PNG), user=cadre_yannan
    )
    client.force_login(cadre_zhennan)
    assert client.get(reverse("evidence_file", args=[evidence.pk])).status_code == 404
    assert upload(client, stage(project, 2), "b.png", PNG).status_code == 404
    assert StageEvidence.objects.count() == 1


# --- the admin ------------------------------------------------------------------------------


def test_editing_a_template_in_the_admin_changes_the_next_projects_layout(
    client, superuser, project, yannan
):
    template = ProcedureTemplate.objects.get(project_kind="acquisition", is_default=True)
    url = reverse("admin:cases_proceduretemplate_change", args=[template.pk])
    client.force_login(superuser)
    data = admin_post_data(client.get(url))
    index = next(i for i in range(17) if data.get(f"steps-{i}-order") == str(PRE_ANNOUNCEMENT))
    data[f"steps-{index}-period_amount"] = "15"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""

    add = reverse("admin:cases_project_add")
    response = client.post(
        add,
        {
            "township": project.township_id,
            "name": "新项目",
            "kind": "acquisition",
            "status": "planning",
            "villages": [yannan.pk],
            "started_on": "2025-09-01",
            "stages-TOTAL_FORMS": "0",
            "stages-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    new = Project.objects.get(name="新项目")
    pre = stage(new, PRE_ANNOUNCEMENT)
    assert (pre.period_amount, pre.due_on) == (15, date(2025, 9, 23))
    assert stage(project, PRE_ANNOUNCEMENT).period_amount == 10  # the old project keeps its own


def test_admin_refuses_an_early_done_date_without_reason(client, superuser, project):
    step = stage(project, PRE_ANNOUNCEMENT)
    url = reverse("admin:cases_stage_change", args=[step.pk])
    client.force_login(superuser)
    data = admin_post_data(client.get(url))
    data.update({"started_on": "2025-09-26", "done_on": "2025-10-15"})
    response = client.post(url, data)
    assert response.status_code == 200
    assert "needs a reason" in response.content.decode()
    data["early_reason"] = "提前"
    assert client.post(url, data).status_code == 302
    step.refresh_from_db()
    assert (step.done_on, step.early_reason, step.done_by) == (
        date(2025, 10, 15),
        "提前",
        superuser,
    )


def test_a_project_of_another_kind_gets_the_six_steps(db):
    default_templates()
    project = ProjectFactory(kind=Project.Kind.INDUSTRIAL_TO_COMMERCIAL)
    stages = project_lay_out_stages(project=project, start=date(2025, 1, 6))
    assert len(stages) == 6
    assert stages[2].name.startswith("民事民决")
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("kind", "hearing"),
    [(Project.Kind.ACQUISITION, True), (Project.Kind.INDUSTRIAL_TO_COMMERCIAL, False)],
)
def test_the_hearing_figure_is_shown_where_the_procedure_has_a_hearing(
    client, staff, yannan, kind, hearing
):
    """A 工改商 project's six steps have no hearing, yet its procedure page said "a hearing is
    required when more than half are opposed" under the Land Administration Law's article."""
    default_templates()
    project = ProjectFactory(kind=kind, villages=[yannan])
    project_lay_out_stages(project=project, start=date(2025, 1, 6))
    client.force_login(staff)
    page = client.get(reverse("project_procedure", args=[project.pk])).content.decode()
    assert ("required when more than half" in page) == hearing


@pytest.mark.parametrize("user_fixture", ["staff", "cadre_yannan"])
def test_home_page_counts_the_hearing_over_the_whole_project(
    request, client, user_fixture, yannan, zhennan, django_assert_max_num_queries
):
    """Staff's home figures are the whole project's and serve the hearing rule as they are; a
    cadre's cover their villages only, so the rule counts the project again. Either way the
    alert is the project's: 3 of 5 opposed, though 烟南村 alone has 1 of 3."""
    spanning = acquisition_project(start=date(2025, 9, 1), villages=[yannan, zhennan])
    cases_with_statuses(spanning, yannan, opposed=1, supportive=2)
    cases_with_statuses(spanning, zhennan, opposed=2)
    user = request.getfixturevalue(user_fixture)
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("home")).content.decode()
    assert 'data-flag="hearing_required"' in page
    assert "3 of 5 households" in page
    # Scans of the project's cases; the user's own follow-ups are read from their visits.
    scans = [
        q["sql"]
        for q in queries.captured_queries
        if 'FROM "cases_case"' in q["sql"] and "cases_visit_visitors" not in q["sql"]
    ]
    assert len(scans) == (1 if user_fixture == "staff" else 2)


def test_a_stage_or_project_with_evidence_cannot_be_deleted(
    client, superuser, cadre_yannan, project, media_root
):
    """Evidence of a posted notice is kept: deleting its stage or its project is refused, in
    the admin and in code, instead of taking the evidence with it."""
    from django.db.models import ProtectedError

    step = stage(project, 2)
    stage_evidence_add(stage=step, upload=SimpleUploadedFile("公告.pdf", PDF), user=cadre_yannan)
    client.force_login(superuser)
    response = client.post(reverse("admin:cases_stage_delete", args=[step.pk]), {"post": "yes"})
    assert response.status_code == 200  # "cannot delete": the evidence is protected
    response = client.post(
        reverse("admin:cases_project_delete", args=[project.pk]), {"post": "yes"}
    )
    assert response.status_code == 200
    with pytest.raises(ProtectedError):
        project.delete()
    assert StageEvidence.objects.filter(stage=step).count() == 1
    assert Stage.objects.filter(pk=step.pk).exists()


def test_a_project_or_stage_with_a_record_of_its_work_cannot_be_deleted(
    client, superuser, project, yannan
):
    """A stage marked done records when a step happened, a meeting its attendance and minutes:
    neither goes with a deleted project or stage. A project set up by mistake still can."""
    from django.db.models import ProtectedError
    from django.forms import inlineformset_factory

    from cases.admin import StageInlineFormSet
    from cases.models import Meeting, Project

    from .factories import MeetingFactory

    client.force_login(superuser)
    done = stage(project, 1)
    Stage.objects.filter(pk=done.pk).update(done_on=date(2025, 9, 5))
    delete = {"post": "yes"}
    assert (
        client.post(reverse("admin:cases_stage_delete", args=[done.pk]), delete).status_code == 403
    )
    url = reverse("admin:cases_project_delete", args=[project.pk])
    assert client.post(url, delete).status_code == 403
    # Nor through the project's list of stages, whose rows each offer "delete".
    stages = list(project.stages.order_by("order"))
    formset_class = inlineformset_factory(
        Project, Stage, formset=StageInlineFormSet, fields=["name"], extra=0, can_delete=True
    )
    data = {"stages-TOTAL_FORMS": len(stages), "stages-INITIAL_FORMS": len(stages)}
    for i, s in enumerate(stages):
        data |= {f"stages-{i}-id": s.pk, f"stages-{i}-name": s.name}
    formset = formset_class(data | {"stages-0-DELETE": "on"}, instance=project, prefix="stages")
    assert not formset.is_valid()
    assert "is marked done and cannot be deleted" in str(formset.non_form_errors())
    formset = formset_class(data | {"stages-1-DELETE": "on"}, instance=project, prefix="stages")
    assert formset.is_valid()  # a stage not done yet may go
    assert Stage.objects.filter(pk=done.pk).exists()

    with_meeting = acquisition_project(start=date(2025, 9, 1), villages=[yannan])
    meeting = MeetingFactory(project=with_meeting)
    with pytest.raises(ProtectedError):
        with_meeting.delete()
    assert Meeting.objects.filter(pk=meeting.pk).exists()

    mistaken = acquisition_project(start=date(2025, 9, 1), villages=[yannan])
    url = reverse("admin:cases_project_delete", args=[mistaken.pk])
    assert client.post(url, delete).status_code == 302
    assert not Project.objects.filter(pk=mistaken.pk).exists()
