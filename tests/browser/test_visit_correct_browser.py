"""A staff member who logged a visit with the wrong stance corrects it from the household page,
on a phone in Chinese, and sees the visit's timeline and the case card say the stance heard;
on a desktop in English a follow-up before the visit is refused beside its field with what was
typed kept."""

from cases.models import Case, Stance, Visit

from .conftest import log_in, screenshot
from .test_signing_browser import YANNAN, _no_horizontal_scroll


def _latest_visit_of_an_open_case() -> Visit:
    """The latest visit of an open Yannan case whose stance is not "opposed"."""
    case = (
        Case.objects.filter(project__name=YANNAN, household__cooperative__village__name="烟南村")
        .exclude(status__in=[Case.Status.SIGNED, Case.Status.COMPLETED])
        .exclude(stance=Stance.OPPOSED)
        .filter(visit_count__gt=0)
        .order_by("household__number")
        .first()
    )
    return case.visits.order_by("-visited_on", "-recorded_at", "-pk").first()


def test_staff_correct_a_visits_stance_on_a_phone(phone_page, live_server, demo):
    page = phone_page
    visit = _latest_visit_of_an_open_case()
    case = visit.case
    day = f"{visit.visited_on:%Y-%m-%d}"
    log_in(page, live_server, "staff", password="jiujiang-demo")

    page.goto(f"{live_server.url}/households/{case.household_id}/")
    entry = page.locator("ol.timeline li.visit", has_text=day).first
    entry.locator("a", has_text="更正此次走访").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "更正此次走访"
    assert page.input_value("input[name=visited_on]") == day
    assert page.is_checked(f"input[name=stance][value={visit.stance}]")
    _no_horizontal_scroll(page)
    page.locator("label", has_text="反对").first.click()
    assert page.is_checked("input[name=stance][value=opposed]")
    screenshot(page, "visit-correct-zh-phone")
    page.dblclick("form.visit-form button[type=submit]")  # an impatient thumb: harmless
    page.wait_for_url(f"{live_server.url}/households/{case.household_id}/")
    page.wait_for_load_state()

    message = page.locator(".messages").inner_text()
    assert str(case.household) in message and day in message and "更正" in message
    entry = page.locator("ol.timeline li.visit", has_text=day).first
    assert entry.locator(".badge").inner_text() == "反对"
    card = page.locator(".case-card", has_text=YANNAN)
    assert card.locator(".badge.status-opposed").count() == 1
    assert "反对" in card.locator(".badge.stance-opposed").inner_text()
    history = page.locator("section.history li.history-row").first
    assert "陈晓华" in history.inner_text()  # who corrected it, in the household's history
    screenshot(page, "household-visit-corrected-zh-phone")
    _no_horizontal_scroll(page)
    case.refresh_from_db()
    assert (case.stance, case.status) == (Stance.OPPOSED, Case.Status.OPPOSED)
    assert visit.history.filter(stance=Stance.OPPOSED).count() == 1


def test_a_follow_up_before_the_visit_is_refused_in_english(desktop_page_en, live_server, demo):
    page = desktop_page_en
    visit = _latest_visit_of_an_open_case()
    log_in(page, live_server, "staff", password="jiujiang-demo")
    page.goto(f"{live_server.url}/visits/{visit.pk}/correct/")
    page.fill("input[name=next_follow_up_on]", "2001-01-01")
    page.fill("textarea[name=notes]", "typed, not lost")
    page.click("form.visit-form button[type=submit]")
    page.wait_for_load_state()
    field = page.locator(".field", has=page.locator("input[name=next_follow_up_on]"))
    assert "cannot be before the visit" in field.inner_text()
    assert page.input_value("input[name=next_follow_up_on]") == "2001-01-01"
    assert page.input_value("textarea[name=notes]") == "typed, not lost"
    screenshot(page, "visit-correct-error-en-desktop")
    visit.refresh_from_db()
    assert visit.notes != "typed, not lost"
