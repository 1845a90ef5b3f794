"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium), headless.

Playwright's sync API runs an event loop in the test thread, so Django's async-safety check
is relaxed for these tests only. Screenshots go to a scratch folder (``$TMPDIR/landreform-
screenshots``) so that running the suite leaves the work tree clean; ``UPDATE_SCREENSHOTS=1``
writes them to docs/screenshots/ (the README's pictures) instead.
"""

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("UPDATE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "landreform-screenshots"
)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _committed_data(transactional_db):
    """The live server runs in another thread: test data must be committed to be seen."""


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def _context(browser, viewport, locale):
    context = browser.new_context(viewport=viewport, locale=locale)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def phone_page(browser):
    """A 390×844 phone in Chinese (the browser's Accept-Language is zh-CN)."""
    context = _context(browser, PHONE, "zh-CN")
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_page_en(browser):
    context = _context(browser, PHONE, "en-US")
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop_page(browser):
    context = _context(browser, DESKTOP, "zh-CN")
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop_page_en(browser):
    context = _context(browser, DESKTOP, "en-US")
    yield context.new_page()
    context.close()


@pytest.fixture
def demo():
    """The demo data and its log-ins (``load_demo``)."""
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, live_server, username, password="pw-for-tests-1"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
