"""The admin's own pages, where the site changes Django's layout (static/css/admin.css)."""

from datetime import date

from cases.models import ProcedureTemplate

from ..factories import HouseholdFactory, MemberFactory, acquisition_project, make_id_number
from .conftest import log_in, screenshot


def test_a_households_members_fit_the_page_and_show_whole_id_numbers(
    live_server, desktop_page, superuser, yannan_coop
):
    """The members inline was 1,800 px wide at 1280 (the page scrolled sideways); what does
    not fit now scrolls inside the inline, and an 18-character ID number is read whole."""
    household = HouseholdFactory(cooperative=yannan_coop)
    for n in range(3):
        MemberFactory(household=household, id_number=make_id_number(n + 900), phone="13800138000")
    page = desktop_page
    log_in(page, live_server, "root")
    page.goto(f"{live_server.url}/admin/cases/household/{household.pk}/change/")

    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    id_input = page.locator("#members-group td.field-id_number input").first
    assert id_input.input_value() == make_id_number(900)
    assert id_input.evaluate("e => e.scrollWidth <= e.clientWidth"), "the ID number is cut off"
    screenshot(page, "admin-household-members-zh-desktop")


def test_the_admins_date_time_and_autocomplete_widgets_speak_chinese(
    live_server, desktop_page, superuser, staff, two_villages
):
    """The calendar's weekday headings read M T W T F S S and the role selector said
    "Choose all 组" on a Chinese page (Django's zh_Hans catalog leaves them in English)."""
    page = desktop_page
    log_in(page, live_server, "root")
    page.goto(f"{live_server.url}/admin/cases/visit/add/")
    assert page.locator(".field-visited_on .datetimeshortcuts a").first.inner_text() == "今天"
    page.locator(".field-visited_on a[id^=calendarlink]").click()
    calendar = page.locator(".calendarbox").first
    assert calendar.locator("th").all_inner_texts() == ["一", "二", "三", "四", "五", "六", "日"]
    assert "今天" in calendar.inner_text() and "取消" in calendar.inner_text()
    screenshot(page, "admin-calendar-zh-desktop")

    page.goto(f"{live_server.url}/admin/cases/vote/add/")
    page.locator(".field-project .select2-selection").click()
    # Typed into the open list's own search box (not wherever the focus is), and its answer
    # waited for as long as a loaded machine's live server may take to search.
    page.locator(".select2-container--open .select2-search__field").fill("无此项目")
    page.wait_for_selector(".select2-results__message", timeout=30_000)
    assert page.inner_text(".select2-results__message") == "未找到结果"

    page.goto(f"{live_server.url}/admin/auth/user/{staff.pk}/change/")
    page.locator(".field-last_login a[id^=clocklink]").click()
    clock = page.locator(".clockbox").first
    assert "选择一个时间" in clock.inner_text() and "现在" in clock.inner_text()
    screenshot(page, "admin-clock-zh-desktop")
    selector = page.locator(".field-groups .selector").inner_text()
    assert "选择全部" in selector and "移除全部" in selector
    assert "Choose" not in selector and "Remove" not in selector


def _choose(page, field_id: str, label: str):
    """Move ``label`` to the chosen side of a two-box selector (filter_horizontal)."""
    page.select_option(f"#{field_id}_from", label=label)
    page.click(f"#{field_id}_add")


def test_a_cadre_is_made_with_role_and_villages_in_one_save(
    live_server, desktop_page, desktop_page_en, township_admin, two_villages
):
    """The user's add page holds the role and the staff profile: one save, in Chinese and in
    English, and the page fits a 1280 px screen."""
    from django.contrib.auth import get_user_model

    from ..factories import PartyBranchFactory

    PartyBranchFactory(village=two_villages["yannan"]["village"], name="烟南村党委")
    for page, username, role, saved in (
        (desktop_page, "chen_cadre", "村（社区）干部", "成功添加了"),
        (desktop_page_en, "li_cadre", "village cadre", "was added successfully"),
    ):
        log_in(page, live_server, "township_admin")
        page.goto(f"{live_server.url}/admin/auth/user/add/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        page.fill("#id_username", username)
        page.fill("#id_password1", "Jiujiang-2021-pw")
        page.fill("#id_password2", "Jiujiang-2021-pw")
        page.fill("#id_last_name", "陈")
        page.fill("#id_first_name", "村官")
        _choose(page, "id_groups", role)
        page.check("#id_is_staff")
        _choose(page, "id_staff_profile-0-villages", "烟南村")
        page.locator(".field-branch .select2-selection").click()
        page.keyboard.type("烟南")
        page.locator(".select2-results__option", has_text="烟南村党委").click()
        page.fill("#id_staff_profile-0-title", "村委委员")
        page.fill("#id_staff_profile-0-phone", "13800138000")
        language = "zh" if page is desktop_page else "en"
        screenshot(page, f"admin-user-add-{language}-desktop")
        page.click("input[name=_save]")
        page.wait_for_load_state()
        assert saved in page.inner_text(".messagelist")
        screenshot(page, f"admin-user-added-{language}-desktop")

        user = get_user_model().objects.get(username=username)
        assert user.groups.get().name == "village_cadre"
        assert [v.name for v in user.staff_profile.villages.all()] == ["烟南村"]
        assert user.staff_profile.branch.name == "烟南村党委"


def test_a_projects_stages_and_a_templates_steps_fit_the_page(
    live_server, desktop_page_en, superuser, yannan
):
    """The stages inline of a project was 2,100 px wide at 1280 and a procedure template's
    steps 2,500 px: the whole page scrolled sideways, the save buttons off to the left."""
    project = acquisition_project(start=date(2021, 1, 11), villages=[yannan])
    template = ProcedureTemplate.objects.get(project_kind=project.kind, is_default=True)
    page = desktop_page_en
    log_in(page, live_server, "root")
    for name, url in (
        ("project", f"/admin/cases/project/{project.pk}/change/"),
        ("template", f"/admin/cases/proceduretemplate/{template.pk}/change/"),
    ):
        page.goto(live_server.url + url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"the {name} page is {width} px wide"
        screenshot(page, f"admin-{name}-stages-en-desktop")


def test_on_a_phone_each_stage_and_member_is_a_card_of_labelled_boxes(
    live_server, phone_page, superuser, yannan, yannan_coop
):
    """As a table the stages inline was 1,417 px wide in a 360 px box: a stage's dates lay
    four screens to the right of its name. Each row is now a card, every box under its
    column's name and inside the screen."""
    project = acquisition_project(start=date(2021, 1, 11), villages=[yannan])
    household = HouseholdFactory(cooperative=yannan_coop)
    MemberFactory(household=household, id_number=make_id_number(901))
    page = phone_page
    log_in(page, live_server, "root")
    for group, url in (
        ("stages", f"/admin/cases/project/{project.pk}/change/"),
        ("members", f"/admin/cases/household/{household.pk}/change/"),
    ):
        page.goto(live_server.url + url)
        row = page.locator(f"#{group}-0")
        boxes = row.locator("td:not(.hidden):not(.original)")
        assert boxes.count() >= 5
        for box in boxes.all():
            edge = box.bounding_box()
            assert edge["x"] >= 0 and edge["x"] + edge["width"] <= page.viewport_size["width"]
            label = box.evaluate("e => getComputedStyle(e, '::before').content")
            assert label.strip('"') == box.get_attribute("data-label") != "", label
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        for tick in row.locator("input[type=checkbox]").all():
            assert min(tick.bounding_box()["width"], tick.bounding_box()["height"]) >= 24
        row.scroll_into_view_if_needed()
        screenshot(page, f"admin-{group}-cards-zh-phone")
    done = page.locator("#stages-0 td.field-done_on")
    page.goto(f"{live_server.url}/admin/cases/project/{project.pk}/change/")
    assert done.get_attribute("data-label") == "已完成"


def _lines(page, selector) -> list[int]:
    """How many lines the text of each cell takes (a range's boxes, one per line)."""
    return page.eval_on_selector_all(
        selector,
        """cells => cells.map(cell => {
            const range = document.createRange();
            range.selectNodeContents(cell);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
        })""",
    )


def test_names_stay_whole_in_the_admins_lists_on_a_phone(
    live_server, phone_page, superuser, yannan_coop, staff
):
    """On a phone the household list is wider than the screen, and the head's name, the one
    column the browser could wrap, came out a character a line (黄 / 惠 / 家); the user list
    split 黄立新 and stacked 镇工作人员 likewise."""
    household = HouseholdFactory(cooperative=yannan_coop, head_name="欧阳惠家")
    MemberFactory(household=household, name="欧阳丽珍")
    staff.last_name, staff.first_name = "欧阳", "晓华"
    staff.save()
    page = phone_page
    log_in(page, live_server, "root")

    for url, cells in (
        ("/admin/cases/household/", "#result_list td.field-head_name"),
        ("/admin/cases/member/", "#result_list .field-name"),
        ("/admin/auth/user/", "#result_list td.field-name, #result_list td.field-role"),
    ):
        page.goto(live_server.url + url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
        lines = _lines(page, cells)
        assert lines and set(lines) == {1}, f"{url}: {lines}"
    screenshot(page, "admin-users-zh-phone")
