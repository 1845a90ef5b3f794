"""A leader (no admin access) changes their password on a phone: the name in the header opens
the page, a too-short password is refused beside its field in Chinese, then the change goes
through and the next log-in takes the new password."""

from .conftest import log_in, screenshot

NEW = "a-much-longer-passphrase-9"


def test_a_leader_changes_their_password_on_a_phone(phone_page, live_server, leader):
    page = phone_page
    log_in(page, live_server, "leader")
    page.click("header a.who")
    assert page.inner_text("h1") == "修改密码"
    page.fill("#id_old_password", "pw-for-tests-1")
    page.fill("#id_new_password1", "short")
    page.fill("#id_new_password2", "short")
    page.click("main button[type=submit]")
    assert "密码太短，至少要有 8 个字符" in page.inner_text("main")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    screenshot(page, "password-change-refused-zh-phone")
    page.fill("#id_old_password", "pw-for-tests-1")
    page.fill("#id_new_password1", NEW)
    page.fill("#id_new_password2", NEW)
    page.click("main button[type=submit]")
    assert page.inner_text("h1") == "密码已修改"
    page.click("header form[action$='/logout/'] button")
    log_in(page, live_server, "leader", password=NEW)
    assert page.locator("header a.who").count() == 1  # logged in with the new password
