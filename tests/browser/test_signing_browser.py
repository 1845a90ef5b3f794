"""A staff member records a household's signed agreement from its page, on a phone in Chinese,
and sees the case card say signed, with its date and the amount, and the project dashboard's
signed count move; on a desktop in English a future date is refused beside its field with
what was typed kept."""

from datetime import timedelta

from django.utils import timezone

from cases.models import Case

from .conftest import log_in, screenshot

YANNAN = "临港国际产业社区（烟南片区）土地征收"


def _open_case():
    return (
        Case.objects.filter(project__name=YANNAN, household__cooperative__village__name="烟南村")
        .exclude(status__in=[Case.Status.SIGNED, Case.Status.COMPLETED])
        .select_related("household")
        .order_by("household__number")
        .first()
    )


def _signed_count(page, live_server, project_id) -> int:
    page.goto(f"{live_server.url}/projects/{project_id}/")
    return int(page.locator("[data-figure=signed]").get_attribute("data-count"))


def _no_horizontal_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide"


def test_staff_record_a_signed_agreement_on_a_phone(phone_page, live_server, demo):
    page = phone_page
    case = _open_case()
    log_in(page, live_server, "staff", password="jiujiang-demo")
    signed_before = _signed_count(page, live_server, case.project_id)

    page.goto(f"{live_server.url}/households/{case.household_id}/")
    card = page.locator(".case-card", has_text=YANNAN)
    screenshot(page, "household-sign-button-zh-phone")
    card.locator("a:text-is('登记签约')").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "登记签约"
    today = timezone.localdate()
    assert page.input_value("input[name=agreement_signed_on]") == f"{today:%Y-%m-%d}"
    _no_horizontal_scroll(page)
    page.fill("input[name=compensation_yuan]", "378,000")
    screenshot(page, "case-sign-form-zh-phone")
    page.dblclick("form.step-form button[type=submit]")  # an impatient thumb: harmless
    page.wait_for_url(f"{live_server.url}/households/{case.household_id}/")
    page.wait_for_load_state()

    message = page.locator(".messages").inner_text()
    assert str(case.household) in message and f"{today:%Y-%m-%d}" in message
    card = page.locator(".case-card", has_text=YANNAN)
    assert card.locator(".badge.status-signed").inner_text() == "已签约"
    assert f"{today:%Y-%m-%d}" in card.inner_text()
    assert card.locator(".compensation").inner_text() == "378,000"
    assert card.locator("a:text-is('登记完成')").count() == 1
    assert card.locator("a:text-is('登记签约')").count() == 0
    screenshot(page, "household-signed-zh-phone")
    _no_horizontal_scroll(page)
    case.refresh_from_db()
    assert (case.status, case.agreement_signed_on) == (Case.Status.SIGNED, today)
    assert case.history.filter(status=Case.Status.SIGNED).count() == 1

    assert _signed_count(page, live_server, case.project_id) == signed_before + 1


def test_a_future_date_is_refused_beside_its_field_in_english(desktop_page_en, live_server, demo):
    page = desktop_page_en
    case = _open_case()
    log_in(page, live_server, "staff", password="jiujiang-demo")
    page.goto(f"{live_server.url}/cases/{case.pk}/sign/")
    tomorrow = f"{timezone.localdate() + timedelta(days=1):%Y-%m-%d}"
    page.fill("input[name=agreement_signed_on]", tomorrow)
    page.fill("input[name=compensation_yuan]", "37.8万")
    page.click("form.step-form button[type=submit]")
    page.wait_for_load_state()
    field = page.locator(".field", has=page.locator("input[name=agreement_signed_on]"))
    assert "cannot be in the future" in field.inner_text()
    assert page.input_value("input[name=agreement_signed_on]") == tomorrow
    assert page.input_value("input[name=compensation_yuan]") == "37.8万"
    screenshot(page, "case-sign-form-error-en-desktop")
    case.refresh_from_db()
    assert case.is_open
    page.click("a.cancel")
    page.wait_for_load_state()
    card = page.locator(".case-card", has_text=YANNAN)
    assert card.locator("a:text-is('Record signed agreement')").count() == 1
    screenshot(page, "household-sign-button-en-desktop")
