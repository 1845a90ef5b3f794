"""Nothing typed into the visit form is lost (static/js/visit-drafts.js), in a real browser on a
phone: not to a reload, not to a session that ended while the villager talked, not to a
dropped connection, not to an answer that never came back; and a draft leaves the phone once
its visit is confirmed, or when the user logs out."""

import re

import pytest

from cases.models import Visit

from .conftest import log_in, screenshot

NOTES = "门口谈了一个小时：担心租户安置"


@pytest.fixture
def form_url(live_server, yannan_case):
    return f"{live_server.url}/cases/{yannan_case.pk}/visits/new/"


def _type_a_visit(page, form_url):
    page.goto(form_url)
    page.check("input[name=stance][value=undecided]")
    page.check("input[name=concerns][value=tenants]")
    page.select_option("select[name=place]", "workplace")
    page.fill("textarea[name=notes]", NOTES)
    return page.input_value("input[name=client_id]")


def _drafts(page) -> list[str]:
    return page.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('landreform:visit-draft:'))"
    )


def _assert_restored(page, client_id):
    assert page.is_visible(".draft-notice")
    assert page.input_value("textarea[name=notes]") == NOTES
    assert page.is_checked("input[name=stance][value=undecided]")
    assert page.is_checked("input[name=concerns][value=tenants]")
    assert not page.is_checked("input[name=concerns][value=compensation]")
    assert page.input_value("select[name=place]") == "workplace"
    assert page.input_value("input[name=client_id]") == client_id


def _save_and_see_the_draft_gone(page, client_id):
    """Save the form: the one visit stored is this one, and its draft has left the phone."""
    page.click("form.visit-form button[type=submit]")
    page.wait_for_url(re.compile(r"/households/\d+/$"))
    assert str(Visit.objects.get().client_id) == client_id
    assert _drafts(page) == []


def test_a_draft_survives_a_reload_and_is_listed_until_saved(
    live_server, phone_page, staff, yannan_case, form_url
):
    page = phone_page
    log_in(page, live_server, "staff")
    client_id = _type_a_visit(page, form_url)
    assert _drafts(page) == [f"landreform:visit-draft:{staff.pk}:{yannan_case.pk}"]

    page.reload()
    _assert_restored(page, client_id)
    assert page.is_hidden("#visit-drafts")  # not listed on its own form
    screenshot(page, "visit-draft-restored-zh-phone")

    page.goto(live_server.url + "/")
    banner = page.locator("#visit-drafts")
    assert banner.is_visible()
    assert "0101 黄惠家" in banner.inner_text()
    screenshot(page, "visit-draft-banner-zh-phone")
    banner.locator("a").click()
    page.wait_for_url(re.compile(r"/visits/new/"))
    _assert_restored(page, client_id)

    page.click("form.visit-form button[type=submit]")
    page.wait_for_url(re.compile(r"/households/\d+/$"))
    assert "已保存" in page.locator(".messages").inner_text()
    assert _drafts(page) == []
    assert page.is_hidden("#visit-drafts")
    visit = Visit.objects.get(client_id=client_id)
    assert (visit.notes, visit.stance, visit.place) == (NOTES, "undecided", "workplace")

    page.goto(form_url)  # a fresh form again: a new visit
    assert page.is_hidden(".draft-notice")
    assert page.input_value("textarea[name=notes]") == ""
    assert page.input_value("input[name=client_id]") != client_id


def test_a_visit_typed_while_the_session_ended_is_saved_after_logging_in_again(
    live_server, phone_page, staff, yannan_case, form_url
):
    page = phone_page
    log_in(page, live_server, "staff")
    client_id = _type_a_visit(page, form_url)
    page.context.clear_cookies(name="sessionid")  # the session ended on the server's side

    page.click("form.visit-form button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    assert Visit.objects.count() == 0
    page.fill("input[name=username]", "staff")
    page.fill("input[name=password]", "pw-for-tests-1")
    page.press("input[name=password]", "Enter")
    page.wait_for_url(re.compile(r"/visits/new/"))
    _assert_restored(page, client_id)

    _save_and_see_the_draft_gone(page, client_id)


def test_offline_the_form_says_so_and_keeps_the_visit(
    live_server, phone_page, staff, yannan_case, form_url
):
    page = phone_page
    log_in(page, live_server, "staff")
    client_id = _type_a_visit(page, form_url)
    page.context.set_offline(True)
    page.click("form.visit-form button[type=submit]")
    page.wait_for_selector(".offline-notice:not([hidden])")
    assert page.url == form_url
    assert page.is_enabled("form.visit-form button[type=submit]")
    assert "没有网络连接" in page.locator(".offline-notice").inner_text()
    screenshot(page, "visit-offline-zh-phone")
    assert Visit.objects.count() == 0

    page.context.set_offline(False)
    _save_and_see_the_draft_gone(page, client_id)


def test_a_visit_whose_answer_was_lost_is_stored_once_when_sent_again(
    live_server, phone_page, staff, yannan_case, form_url
):
    """The server stored the visit but the phone never heard: the draft is still there, the
    form restores its client_id, and sending it again stores nothing more."""
    page = phone_page
    log_in(page, live_server, "staff")
    client_id = _type_a_visit(page, form_url)

    def reach_the_server_then_drop(route):
        route.fetch()  # the server stores the visit…
        route.abort("connectionreset")  # …and the answer is lost on the way back

    page.route(re.compile(r"/visits/new/$"), reach_the_server_then_drop)
    with page.expect_event("requestfailed"):
        page.click("form.visit-form button[type=submit]")
    page.unroute(re.compile(r"/visits/new/$"))
    assert Visit.objects.count() == 1

    page.goto(form_url)
    assert len(_drafts(page)) == 1
    _assert_restored(page, client_id)
    page.click("form.visit-form button[type=submit]")
    page.wait_for_url(re.compile(r"/households/\d+/$"))
    assert "此前已保存" in page.locator(".messages").inner_text()
    assert Visit.objects.count() == 1
    assert _drafts(page) == []


def test_discarding_and_logging_out_remove_drafts(
    live_server, phone_page_en, staff, yannan_case, form_url
):
    page = phone_page_en
    log_in(page, live_server, "staff")
    _type_a_visit(page, form_url)
    page.reload()
    assert "not been saved yet" in page.locator(".draft-notice").inner_text()
    page.click("[data-draft-discard]")
    page.wait_for_load_state()
    assert page.is_hidden(".draft-notice")
    assert page.input_value("textarea[name=notes]") == ""
    assert _drafts(page) == []

    _type_a_visit(page, form_url)
    page.goto(live_server.url + "/")
    assert "not saved yet" in page.locator("#visit-drafts").inner_text()
    page.click("button:text-is('Log out')")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    assert _drafts(page) == []
