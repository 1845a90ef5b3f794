"""The procedure page in a browser: the Yannan-like timeline on a Chinese phone and an
English desktop, with its flags, the hearing figure and the mark-done form."""

from datetime import date

from cases import demo
from cases.services import project_lay_out_stages

from ..factories import ProjectFactory, cases_with_statuses, default_templates
from .conftest import log_in, screenshot


def yannan_acquisition(yannan):
    """The demo's 2021 timeline, with 3 of 5 households opposed (the hearing becomes due)."""
    default_templates()
    project = ProjectFactory(
        name="临港国际产业社区（烟南片区）土地征收", villages=[yannan], started_on=date(2021, 1, 11)
    )
    project_lay_out_stages(project=project, start=date(2021, 1, 11))
    for stage in project.stages.all():
        stage.started_on, stage.done_on = demo.YANNAN_STEPS.get(stage.order, (None, None))
        stage.early_reason = demo.YANNAN_EARLY_REASON if stage.order == 3 else ""
        stage.save()
    cases_with_statuses(project, yannan, opposed=3, signed=2)
    return project


def test_procedure_page_on_a_chinese_phone(phone_page, live_server, staff, yannan):
    project = yannan_acquisition(yannan)
    page = phone_page
    log_in(page, live_server, "staff")
    page.goto(f"{live_server.url}/projects/{project.pk}/procedure/")
    assert page.locator("li.stage").count() == 17
    assert page.locator('[data-flag="done_early"]').count() == 1
    assert page.locator('[data-flag="hearing_required"]').count() == 1
    assert "3" in page.locator(".hearing-figure").inner_text()
    no_overflow = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert no_overflow
    screenshot(page, "procedure-phone-zh")


def test_procedure_page_on_an_english_desktop_marks_a_stage_done(
    desktop_page_en, live_server, staff, yannan
):
    project = yannan_acquisition(yannan)
    page = desktop_page_en
    log_in(page, live_server, "staff")
    page.goto(f"{live_server.url}/projects/{project.pk}/procedure/")
    assert "Pre-announcement of acquisition" in page.content()
    handover = project.stages.get(order=17)
    item = page.locator(f"#stage-{handover.pk}")
    item.locator("summary", has_text="Mark done").click()
    item.locator("input[name=done_on]").fill("2022-01-20")
    item.locator("button", has_text="Mark done").click()
    page.wait_for_load_state()
    handover.refresh_from_db()
    assert handover.done_on == date(2022, 1, 20)
    assert page.locator(".messages li").count() == 1
    screenshot(page, "procedure-desktop-en")


def test_a_stage_cards_badge_and_form_keep_off_its_border_on_a_phone(
    phone_page_en, live_server, staff, yannan
):
    """The dashboard's timeline rule (`.timeline > li`) took the stage cards' padding away on
    the right: the badge and the mark-done boxes touched the card's border."""
    project = yannan_acquisition(yannan)
    handover = project.stages.get(order=17)
    page = phone_page_en
    log_in(page, live_server, "staff")
    for url in (f"/projects/{project.pk}/procedure/", f"/projects/{project.pk}/"):
        page.goto(live_server.url + url)
        if "procedure" in url:
            page.locator(f"#stage-{handover.pk} summary", has_text="Mark done").click()
        gaps = page.evaluate(
            """() => [...document.querySelectorAll("li.stage")].map(card => {
                const edge = card.getBoundingClientRect().right;
                const inner = [...card.querySelectorAll(".badge, input, textarea")]
                    .filter(e => e.offsetParent !== null);
                return Math.min(...inner.map(e => edge - e.getBoundingClientRect().right));
            })"""
        )
        assert min(gaps) >= 8, (url, gaps)
    screenshot(page, "dashboard-stages-en-phone")
