"""The member roster import in a real browser, on a phone: from the member list's "Import
roster" to the imported summary, with the sample file and the demo."""

from pathlib import Path

from django.core.management import call_command

from cases.models import Member

from .conftest import log_in, screenshot

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "sample-members.csv"


def _check_the_sample(page, live_server, model: str, shown: str) -> None:
    """As the demo's administrator, from ``model``'s list, "Import roster" (its own kind
    ticked), the sample member roster checked, until ``shown`` is on the page."""
    log_in(page, live_server, "admin", "jiujiang-demo")
    page.goto(f"{live_server.url}/admin/cases/{model}/")
    page.click("a.addlink[href*='import']")
    kind = "members" if model == "member" else "households"
    assert page.locator(f"input[name=kind][value={kind}]").is_checked()
    page.set_input_files("input[name=file]", str(SAMPLE))
    page.click("input[type=submit]")
    page.wait_for_selector(shown)


def test_the_sample_member_roster_is_checked_previewed_and_imported_on_a_phone(
    live_server, phone_page
):
    """The preview of 14 columns scrolls sideways in its own box: the page itself does not."""
    call_command("load_demo", verbosity=0)
    before = Member.objects.count()
    page = phone_page
    _check_the_sample(page, live_server, "member", ".import-summary")

    assert "将新增3人，更新3人，26人不变" in page.inner_text(".import-summary")
    assert "1 户有成员未列入文件" in page.inner_text(".import-notice")
    widths = page.evaluate(
        """() => ({page: document.documentElement.scrollWidth,
                  box: document.querySelector(".import-scroll").clientWidth,
                  table: document.querySelector(".import-preview").scrollWidth})"""
    )
    assert widths["page"] <= 390 and widths["table"] > widths["box"]
    screenshot(page, "member-import-preview-zh-phone")

    page.click("input[type=submit][value='导入']")
    page.wait_for_selector("text=导入完成")
    assert "新增3人，更新3人，26人不变" in page.inner_text(".import-summary")
    assert Member.objects.count() == before + 3


def test_a_member_roster_checked_as_households_says_which_import_reads_it(live_server, phone_page):
    """The household list's "Import roster" with the sample member roster: one sentence
    saying what the file is and which import to use, no table of errors, nothing written."""
    call_command("load_demo", verbosity=0)
    before = Member.objects.count(), Member.history.count()
    page = phone_page
    _check_the_sample(page, live_server, "household", ".errornote")

    assert page.inner_text(".errornote") == (
        "此文件是成员名册（每人一行），不是户花名册：请用命令 import_members 导入，"
        "或在管理后台的“导入花名册”页面按成员名册导入。"
    )
    assert page.locator(".import-errors, .import-preview").count() == 0
    assert page.locator("input[type=submit][value='导入']").count() == 0
    assert (Member.objects.count(), Member.history.count()) == before
    screenshot(page, "member-roster-as-households-zh-phone")
