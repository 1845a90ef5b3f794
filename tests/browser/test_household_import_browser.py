"""The household roster import in a real browser: a workbook whose roster is not its first
worksheet, with the member roster beside it, and a web page saved as .xls, as township
offices send them."""

from cases.models import Household

from ..support import MEMBER_HEADER, member_row, xlsx_workbook
from .conftest import log_in, screenshot

HEADER = ["村", "经济社", "户号", "户主", "联系电话"]


def upload(page, live_server, path):
    page.goto(f"{live_server.url}/admin/cases/household/import/")
    page.set_input_files("input[name=file]", str(path))
    page.click("input[type=submit]")


def test_the_preview_names_the_worksheet_read_and_a_web_page_gets_its_sentence(
    live_server, desktop_page, superuser, yannan_coop, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    workbook = tmp_path / "花名册.xlsx"
    workbook.write_bytes(
        xlsx_workbook(
            ("填表说明", [["填表说明"], ["每户一行，户号在经济社内唯一。"]]),
            ("去年", [HEADER, ["烟南村", "东头经济社", "9", "旧户主", ""]], {"state": "hidden"}),
            ("花名册", [HEADER, ["烟南村", "东头经济社", "1", "张三", "13812345678"]]),
            ("成员名册", [MEMBER_HEADER, member_row("张三", "1", head="张三", relation="户主")]),
        )
    )
    web_page = tmp_path / "导出.xls"
    web_page.write_bytes(
        '<html><head><meta charset="gbk"></head><body><table><tr><td>村</td><td>户号</td>'
        "</tr></table></body></html>".encode("gbk")
    )
    page = desktop_page
    log_in(page, live_server, "root")

    upload(page, live_server, workbook)
    page.wait_for_selector(".import-summary")
    notice = page.inner_text(".import-notice")
    assert (
        "名册读取自工作表“花名册”；其他工作表不导入：“填表说明”、“去年”（隐藏）、"
        "“成员名册”（成员名册）。"
    ) in notice
    screenshot(page, "household-import-worksheet-zh-desktop")
    page.click("input[type=submit][value='导入']")
    page.wait_for_selector("text=导入完成")
    assert list(Household.objects.values_list("number", flat=True)) == ["1"]

    upload(page, live_server, web_page)
    page.wait_for_selector(".errornote")
    assert page.inner_text(".errornote").startswith(
        "该文件是以 Excel 文件名保存的网页（HTML 表格），并不是 Excel 工作簿"
    )
    screenshot(page, "household-import-web-page-zh-desktop")


def test_each_error_is_one_row_whose_line_and_column_do_not_break_on_a_phone(
    live_server, phone_page, superuser, yannan_coop, tmp_path, settings
):
    """On a phone the error table's header 行号 broke into 行 / 号 and a column name such as
    户主身份证号 over three lines, beside a sentence that had room to wrap."""
    settings.MEDIA_ROOT = tmp_path / "media"
    roster = tmp_path / "花名册.csv"
    rows = [
        "村,经济社,户号,户主,户主身份证号,联系电话",
        "烟南村,东头经济社,1,张三,4.40682E+17,13812345678",
        "烟南村,东头经济社,2,,,1381234abcd",
    ]
    roster.write_bytes("\n".join(rows).encode("gbk"))
    page = phone_page
    log_in(page, live_server, "root")
    upload(page, live_server, roster)
    page.wait_for_selector("table.import-errors")
    lines_of = """cell => { const r = document.createRange(); r.selectNodeContents(cell);
        return new Set([...r.getClientRects()].map(rect => Math.round(rect.top))).size; }"""
    table = page.locator("table.import-errors")
    assert table.locator("thead th").all_inner_texts() == ["行号", "列", "问题"]
    for cell in table.locator("thead th").all() + table.locator("tbody td:not(:last-child)").all():
        assert cell.evaluate(lines_of) == 1, cell.inner_text()
    assert table.locator("tbody tr").count() == 3  # the ID number, the head, the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "household-import-errors-zh-phone")
    assert not Household.objects.exists()
