"""The Django admin, as the demo's administrator (黄立新) works in it, passes the same axe-core
checks as the app's pages (``test_accessibility_browser``): in Chinese on a phone and in English
on a desktop. Walked: the admin's log-in page (refused), its index, every changelist the admin
has (the ``cases`` app, the users and groups, django-axes' log-in records: unfiltered, with the
first choice of the first filter, with a search), a change page of each (with its inlines), add
pages, the households' action "Enrol in a project…" and a project's enrolment page, the roster
import (the upload pages and the preview of a bad file with its errors), history pages and an
old version, a user's password page and the administrator's own, the page that enters next
year's holiday notice (what it read, and a notice refused), a delete confirmation (one object,
and the action on several), and an autocomplete box opened on its list of choices.

Nothing is excluded: every finding in Django's own markup had a small fix of ours, a template
override (``templates/admin/edit_inline/tabular.html``, ``templates/admin/login.html``,
``templates/admin/widgets/split_datetime.html``), a style (``static/css/admin.css``) or a script
that names what Django's scripts build (``static/js/admin-a11y.js``: the two-box selector's
filter boxes, the autocomplete boxes). One that would need a fork of Django would be accepted on
exactly its element, with the Django ticket or the reason beside it, never for a whole rule.

axe-core asks for ``widgets.css`` relative to the page (it follows ``forms.css``'s
``@import url('widgets.css')`` from the document, not from the stylesheet): the 404s that the
live server logs for ``…/change/widgets.css/change/`` are axe's, not the browser's.
"""

from urllib.parse import quote

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model

from cases.models import Cooperative, Household, Meeting, Project, Vote

from ..support import csv_file
from .conftest import log_in
from .test_accessibility_browser import violations


def _changelist(model) -> str:
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/"


def _walked_models() -> list:
    """Every model registered in the admin: the ``cases`` app's first, then the others (the
    users and groups, django-axes' records of log-ins)."""
    return sorted(admin.site._registry, key=lambda m: (m._meta.app_label != "cases", m._meta.label))


def _search_term(model) -> str:
    """What the model's first search field holds in its first row (so that the search finds
    it); a model without rows is searched for a name that it would not hold."""
    first = model._default_manager.order_by("pk").first()
    if first is None:
        return "烟南"
    value = first
    for name in admin.site._registry[model].search_fields[0].lstrip("=^@").split("__"):
        value = getattr(value, name)
    return str(value)


def _household():
    """The first household with members (its page shows the members' inline filled)."""
    return Household.objects.filter(members__isnull=False).order_by("pk").first()


def _object_pages() -> list[str]:
    """A change page of each walked model (the first row; a draft vote, editable), add pages,
    history pages, password pages and the project's enrolment page."""
    pages = []
    for model in _walked_models():
        rows = model._default_manager.order_by("pk")
        if model is Vote:
            rows = rows.filter(status=Vote.Status.DRAFT) or rows
        first = rows.first()
        if first is not None:
            pages.append(f"{_changelist(model)}{first.pk}/change/")
    household = _household()
    user = get_user_model().objects.get(username="staff")
    project = Project.objects.get(name__contains="烟南片区")
    return pages + [
        f"/admin/cases/household/{household.pk}/change/",
        "/admin/cases/household/add/",
        "/admin/cases/visit/add/",
        "/admin/cases/project/add/",
        "/admin/auth/user/add/",
        f"/admin/cases/household/{household.pk}/history/",
        f"/admin/cases/household/{household.pk}/history/{household.history.earliest().pk}/",
        f"/admin/cases/case/{household.cases.order_by('pk')[0].pk}/history/",
        f"/admin/cases/project/{project.pk}/enrol/",
        f"/admin/auth/user/{user.pk}/password/",
        "/admin/password_change/",
        "/admin/cases/household/import/",
        "/admin/cases/household/import/?kind=members",
        "/admin/auth/group/add/",
        # A delete confirmation, with what the meeting's deletion takes with it.
        f"/admin/cases/meeting/{Meeting.objects.order_by('pk')[0].pk}/delete/",
    ]


def _bad_roster(tmp_path):
    """A household roster of three rows, two of them wrong (a village that does not exist, a
    phone number of five digits): its preview shows errors."""
    coop = Cooperative.objects.filter(village__name="烟南村").order_by("pk")[0]
    path = tmp_path / "有错的花名册.csv"
    path.write_bytes(
        csv_file(
            [
                ["村", "经济社", "户号", "户主", "联系电话"],
                ["烟南村", coop.name, "901", "张三", "13812345678"],
                ["无此村", coop.name, "902", "李四", ""],
                ["烟南村", coop.name, "903", "王五", "12345"],
            ]
        )
    )
    return path


#: Django builds the autocomplete boxes (select2) when jQuery finds the page ready, which can
#: come after the "load" event that ``page.goto`` waits for.
AUTOCOMPLETES_BUILT = """() => Array.from(
    document.querySelectorAll("select.admin-autocomplete:not([name*=__prefix__])")
).every((select) => select.classList.contains("select2-hidden-accessible"))"""


@pytest.mark.parametrize("page_fixture", ["phone_page", "desktop_page_en"])
def test_the_admin_passes_axe(live_server, demo, request, page_fixture, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    page = request.getfixturevalue(page_fixture)
    found = {}

    def check(label):
        page.wait_for_function(AUTOCOMPLETES_BUILT)
        found[label] = violations(page)

    def visit(path):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        check(path)

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "a wrong password")
    page.click("#login-form [type=submit]")
    page.wait_for_selector(".errornote")
    check("/admin/login/ (refused)")
    log_in(page, live_server, "admin", "jiujiang-demo")

    visit("/admin/")
    for model in _walked_models():
        visit(_changelist(model))
        choice = page.locator("#changelist-filter li:not(.selected) a").first
        if choice.count():  # the first choice of its first filter, as a click gives it
            choice.click()
            page.wait_for_load_state()
            check(page.url.removeprefix(live_server.url))
        if admin.site._registry[model].search_fields:
            visit(f"{_changelist(model)}?q={quote(_search_term(model))}")
    # A household saved as it is: the page says so, and its history has a version to show.
    household = _household()
    page.goto(f"{live_server.url}/admin/cases/household/{household.pk}/change/")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist")
    check(page.url.removeprefix(live_server.url) + " (saved)")
    for path in _object_pages():
        visit(path)

    # The households' action "Enrol in a project…": its choice of project.
    page.goto(f"{live_server.url}/admin/cases/household/")
    page.locator("#result_list input.action-select").first.check()
    page.select_option("select[name=action]", "enrol_in_project")
    page.click("button[name=index]")
    page.wait_for_selector("input[name=enrol_confirm]", state="attached")
    check("/admin/cases/household/ (enrol in a project)")

    # The delete action on two visits: its confirmation lists both, with their history.
    page.goto(f"{live_server.url}/admin/cases/visit/")
    for row in page.locator("#result_list input.action-select").all()[:2]:
        row.check()
    page.select_option("select[name=action]", "delete_selected")
    page.click("button[name=index]")
    page.wait_for_selector("input[name=post]", state="attached")
    check("/admin/cases/visit/ (delete two: confirmation)")

    # An autocomplete box opened: its search field and list of choices.
    page.goto(f"{live_server.url}/admin/cases/visit/add/")
    page.wait_for_function(AUTOCOMPLETES_BUILT)
    page.click("#id_branch + .select2 .select2-selection")
    page.wait_for_selector(".select2-results__option:not(.loading-results)")
    found["/admin/cases/visit/add/ (branch choices open)"] = violations(page)

    page.goto(f"{live_server.url}/admin/cases/household/import/")
    page.set_input_files("input[name=file]", str(_bad_roster(tmp_path)))
    page.click("#content-main [type=submit]")
    page.wait_for_selector("table.import-errors")
    check(page.url.removeprefix(live_server.url) + " (errors)")

    # Next year's holiday notice: the days read from it, then a notice that does not add up.
    notice = "一、元旦：1月1日（周五）至3日（周日）放假，共3天。\n二、春节：2月6日至12日放假。"
    for text, shown in [
        (notice, "table.notice-days"),
        (notice.replace("共3天", "共4天"), ".errorlist"),
    ]:
        page.goto(f"{live_server.url}/admin/cases/workdayoverride/notice/")
        page.fill("input[name=year]", "2027")
        page.fill("textarea[name=text]", text)
        page.click("input[name=check]")
        page.wait_for_selector(shown)
        check(f"/admin/cases/workdayoverride/notice/ ({shown})")

    report = "\n".join(f"{path}: {v}" for path, found_here in found.items() for v in found_here)
    count = sum(len(v) for v in found.values())
    assert not report, f"\n{count} findings on {len(found)} pages\n{report}"
