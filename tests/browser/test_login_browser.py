from .conftest import log_in, screenshot


def test_log_in_page_speaks_chinese_then_english(live_server, phone_page, staff):
    phone_page.goto(f"{live_server.url}/accounts/login/")
    assert "登录" in phone_page.content()
    screenshot(phone_page, "login-zh-phone")
    log_in(phone_page, live_server, "staff")
    assert phone_page.url.rstrip("/") == live_server.url
    phone_page.click("button[name=language][value=en]")
    phone_page.wait_for_load_state()
    assert "<title>Home · landreform</title>" in phone_page.content()
