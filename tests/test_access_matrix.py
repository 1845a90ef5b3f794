"""The access matrix: every URL that takes an object id, for every role, against a row of 烟南村
and a row of 镇南村.

A user who may not see the row gets 404 and none of its names; a user who may see it gets the
page their permissions allow (403 otherwise); nobody without ``cases.view_personal_numbers``
sees a whole ID or phone number. The URL patterns are read from ``get_resolver()`` (the admin's
included): a pattern with a parameter that has no entry below fails ``test_every_object_url_has
_an_entry``, so a new page is added to the matrix when it is added to the app.
"""

import re
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, clear_url_caches, get_resolver, reverse
from simple_history.admin import SimpleHistoryAdmin

from cases.access import may_see_personal_numbers
from cases.models import RevealLog
from cases.models.scoping import sees_all_villages

# --- The table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """A page of the app (not the admin) that takes an object id."""

    row: str  # the two_villages row the URL names; its village decides who may see it
    method: str = "GET"
    data: dict | None = None
    perm: str | None = None  # needed besides seeing the object; 403 without it
    ok: tuple[int, ...] = (200,)  # the answers when the user may see it and has the perm
    more: tuple[str, ...] = ()  # rows whose pks follow the first in the URL


#: Pages of the app, by URL name: every object URL of cases/urls.py.
PAGES = {
    "household_detail": Page("household"),
    "household_reveal": Page(
        "household", "POST", {"field": "phone"}, perm="cases.view_personal_numbers"
    ),
    "member_reveal": Page(
        "member", "POST", {"field": "id_number"}, perm="cases.view_personal_numbers"
    ),
    "project_dashboard": Page("project"),
    "project_procedure": Page("project"),
    "meeting_list": Page("project"),
    "meeting_new": Page("project", perm="cases.add_meeting"),
    "visit_new": Page("case", perm="cases.add_visit"),
    # An empty form: shown again with its errors, the visit as it was.
    "visit_correct": Page("visit", "POST", {}, perm="cases.change_visit"),
    # Empty forms: shown again with their errors, nothing recorded.
    "case_sign": Page("case", "POST", {}, perm="cases.change_case"),
    "case_complete": Page("case", "POST", {}, perm="cases.change_case"),
    # POSTs without a valid form: refused with a message, nothing stored.
    "stage_mark_done": Page("stage", "POST", {}, perm="cases.change_stage", ok=(200, 302, 400)),
    "stage_evidence_upload": Page(
        "stage", "POST", {}, perm="cases.add_stageevidence", ok=(200, 302, 400)
    ),
    "evidence_file": Page("evidence"),
    "vote_detail": Page("vote"),
    "vote_notice": Page("vote"),
    "ballot_sheet": Page("vote", perm="cases.add_ballot", ok=(200, 302)),
    "ballot_detail": Page("vote", more=("ballot",), ok=(200, 302)),
    # The fixture's votes are open: opening again is refused with a message; closing and
    # certifying go through, each answered with a redirect to the vote.
    "vote_open": Page("vote", "POST", {}, perm="cases.change_vote", ok=(302,)),
    "vote_close": Page("vote", "POST", {}, perm="cases.change_vote", ok=(302,)),
    "vote_certify": Page("vote", "POST", {}, perm="cases.change_vote", ok=(302,)),
}

#: Parameterised patterns that name no object of the domain, with the reason.
NOT_OBJECT_URLS = {
    "admin:app_list": "an app's index in the admin: its parameter is an app label",
    "admin:admin/(?P<url>.*)$": "the admin's catch-all: 404, or a redirect adding a slash",
    "export": "a list export: its parameters are a kind and a format, and its rows are read "
    "through visible_to (tests/test_export.py checks scope and masking per kind)",
    "admin:cases_household_import_job": "an import job belongs to the user who uploaded it; "
    "anyone else gets 404 (tests/test_import.py::test_another_users_job_is_not_found)",
    "admin:cases_household_import_status": "the same job's progress, same rule",
}

#: The admin's views of one object, by the suffix of their URL name ("" is the unnamed
#: ``<object_id>/`` redirect to the change page), and the permission each needs: an action on
#: the object's model, or a whole permission name.
ADMIN_OBJECT_VIEWS = {
    "change": "view",
    "history": "view",
    "delete": "delete",
    "simple_history": "view",
    "": "view",
    "enrol": "cases.add_case",  # a project's "Enrol households" page creates cases
}

#: Admin models without a village scope: who may open them is their permission alone.
UNSCOPED_ADMIN_MODELS = {
    "auth.user": "users: township administrators only (auth permissions)",
    "auth.group": "roles: superusers only",
    "cases.township": "the township itself: public names",
    "cases.partybranch": "party branches: public names of the township's organisations",
    "cases.staffprofile": "staff profiles: township administrators only",
    "axes.accessattempt": "log-in attempts: superusers only",
    "axes.accesslog": "log-ins: superusers only",
    "axes.accessfailurelog": "failed log-ins: superusers only",
    "cases.proceduretemplate": "procedure templates: township-wide rules, no household data",
    "cases.workdayoverride": "working-day adjustments: the official calendar, no household data",
}

#: Admin models scoped by village: the key of their row in the ``two_villages`` fixture.
SCOPED_ADMIN_MODELS = {
    "cases.village": "village",
    "cases.cooperative": "cooperative",
    "cases.household": "household",
    "cases.member": "member",
    "cases.project": "project",
    "cases.stage": "stage",
    "cases.meeting": "meeting",
    "cases.case": "case",
    "cases.visit": "visit",
    "cases.vote": "vote",
    "cases.voter": "voter",
    "cases.ballot": "ballot",
    "cases.reveallog": "reveallog",
}

#: Admin views nobody may use whatever their permissions, with the reason.
CLOSED_ADMIN_VIEWS = {
    ("cases.voter", "delete"): "the roll is frozen when the vote opens; it is never edited",
    ("cases.ballot", "delete"): "a ballot is never deleted; a correction keeps its history",
    ("cases.vote", "delete"): "only a draft can be deleted, and the fixture's votes are open",
}

ROLES = ["anonymous", "township_admin", "staff", "cadre_yannan", "cadre_zhennan", "leader"]


# --- Reading the URL patterns --------------------------------------------------------------


def object_url_patterns():
    """(key, route) of every URL pattern with a parameter; key is ``namespace:name``, or
    ``namespace:route`` for an unnamed pattern."""

    def walk(patterns, prefix, namespace, groups):
        for p in patterns:
            route = prefix + str(p.pattern)
            n = groups + p.pattern.regex.groups
            if isinstance(p, URLResolver):
                ns = ":".join(filter(None, [namespace, p.namespace]))
                yield from walk(p.url_patterns, route, ns, n)
            elif isinstance(p, URLPattern) and n:
                name = p.name or route
                yield (f"{namespace}:{name}" if namespace else name), route

    return list(walk(get_resolver().url_patterns, "", "", 0))


def admin_view_of(key):
    """(model label, view suffix) when ``key`` is an admin view of one registered model."""
    for model in admin.site._registry:
        app, name = model._meta.app_label, model._meta.model_name
        for suffix in ADMIN_OBJECT_VIEWS:
            if suffix and key == f"admin:{app}_{name}_{suffix}":
                return f"{app}.{name}", suffix
        if key == f"admin:admin/{app}/{name}/<path:object_id>/":
            return f"{app}.{name}", ""
        if key == f"admin:{app}_{name}_password_change":
            return f"{app}.{name}", "password_change"
    return None


def test_every_object_url_has_an_entry():
    missing = []
    for key, route in object_url_patterns():
        if key in PAGES or key in NOT_OBJECT_URLS or key == "admin:view_on_site":
            continue
        found = admin_view_of(key)
        if found is None:
            missing.append(f"{key}  ({route})")
            continue
        label, _suffix = found
        if label not in SCOPED_ADMIN_MODELS and label not in UNSCOPED_ADMIN_MODELS:
            missing.append(f"{key}  ({route}): admin model {label} is neither scoped nor listed")
    assert not missing, "Add these URLs to the access matrix:\n" + "\n".join(missing)


def test_the_matrix_has_no_stale_entries():
    keys = {key for key, _route in object_url_patterns()}
    assert set(PAGES) <= keys
    assert set(NOT_OBJECT_URLS) <= keys
    registered = {f"{m._meta.app_label}.{m._meta.model_name}" for m in admin.site._registry}
    assert set(SCOPED_ADMIN_MODELS) | set(UNSCOPED_ADMIN_MODELS) == registered


def test_a_new_url_without_an_entry_fails_the_matrix(monkeypatch):
    from django.urls import path

    from cases import views
    from landreform import urls

    monkeypatch.setattr(
        urls, "urlpatterns", [*urls.urlpatterns, path("x/<int:pk>/", views.home, name="x")]
    )
    clear_url_caches()
    try:
        with pytest.raises(AssertionError, match="x/<int:pk>/"):
            test_every_object_url_has_an_entry()
    finally:
        monkeypatch.undo()
        clear_url_caches()


# --- Requests ------------------------------------------------------------------------------


@pytest.fixture
def users(request, township_admin, staff, cadre_yannan, cadre_zhennan, leader):
    return {
        "anonymous": AnonymousUser(),
        "township_admin": township_admin,
        "staff": staff,
        "cadre_yannan": cadre_yannan,
        "cadre_zhennan": cadre_zhennan,
        "leader": leader,
    }


def may_see(user, village):
    if not user.is_authenticated:
        return False
    if sees_all_villages(user):
        return True
    return user.staff_profile.villages.filter(pk=village.pk).exists()


def admin_url(obj, suffix):
    """The URL of one admin view of ``obj``."""
    prefix = f"admin:{obj._meta.app_label}_{obj._meta.model_name}"
    if suffix == "":
        return reverse(f"{prefix}_change", args=[obj.pk]).removesuffix("change/")
    if suffix == "simple_history":
        return reverse(f"{prefix}_simple_history", args=[obj.pk, obj.history.earliest().pk])
    return reverse(f"{prefix}_{suffix}", args=[obj.pk])


def admin_expected(user, obj, village, suffix):
    if not user.is_authenticated or not user.is_staff:
        return 302  # to the admin's log-in
    if isinstance(obj, RevealLog) and not user.has_perm("cases.view_reveallog"):
        visible = False  # the reveal log is scoped by permission, not village
    else:
        visible = may_see(user, village)
    if not visible:
        return 404
    if (f"{obj._meta.app_label}.{obj._meta.model_name}", suffix) in CLOSED_ADMIN_VIEWS:
        return 403
    perm = ADMIN_OBJECT_VIEWS[suffix]
    model = obj._meta.model_name
    if "." in perm:
        return 200 if user.has_perm(perm) else 403
    allowed = user.has_perm(f"cases.{perm}_{model}") or (
        perm == "view" and user.has_perm(f"cases.change_{model}")
    )
    return 200 if allowed else 403


def page_expected(user, page, village) -> tuple[int, ...]:
    if not user.is_authenticated:
        return (302,)
    if not may_see(user, village):
        return (404,)
    if page.perm and not user.has_perm(page.perm):
        return (403,)
    return page.ok


def assert_no_leak(response, user, world, here):
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    body = raw.decode(errors="replace")
    for key, village_rows in world.items():
        if key != here and not may_see(user, village_rows["village"]):
            for name in village_rows["names"]:
                assert name not in body, (response.request["PATH_INFO"], name)
    if not may_see_personal_numbers(user):
        for village_rows in world.values():
            for number in village_rows["numbers"]:
                assert number not in body, (response.request["PATH_INFO"], number)


@pytest.mark.parametrize("role", ROLES)
def test_admin_object_views_follow_scope_and_permission(client, users, two_villages, role):
    user = users[role]
    if user.is_authenticated:
        client.force_login(user)
    checked = 0
    for key, _route in object_url_patterns():
        found = admin_view_of(key)
        if not found or found[0] not in SCOPED_ADMIN_MODELS:
            continue
        label, suffix = found
        for here, rows in two_villages.items():
            obj = rows[SCOPED_ADMIN_MODELS[label]]
            if suffix == "simple_history" and not hasattr(obj, "history"):
                continue
            url = admin_url(obj, suffix)
            response = client.get(url)
            # The unnamed <object_id>/ only redirects to the change page, checked on its own.
            expected = 302 if suffix == "" else admin_expected(user, obj, rows["village"], suffix)
            assert response.status_code == expected, (role, url, response.status_code)
            assert_no_leak(response, user, two_villages, here)
            checked += 1
    assert checked > 100


@pytest.mark.parametrize("role", ROLES)
def test_app_object_pages_follow_scope_and_permission(client, users, two_villages, role):
    user = users[role]
    if user.is_authenticated:
        client.force_login(user)
    for name, page in PAGES.items():
        for here, rows in two_villages.items():
            url = reverse(name, args=[rows[key].pk for key in (page.row, *page.more)])
            if page.method == "POST":
                response = client.post(url, page.data or {})
            else:
                response = client.get(url)
            expected = page_expected(user, page, rows["village"])
            assert response.status_code in expected, (role, url, response.status_code)
            if name.endswith("_reveal") and response.status_code == 200:
                continue  # the whole number is the answer, and it is logged
            assert_no_leak(response, user, two_villages, here)


#: Pages of the app without an object id that write, and the permission each needs.
WRITE_PAGES = {"vote_new": "cases.add_vote"}


def test_every_app_page_without_an_object_id_refuses_a_read_only_users_post(
    client, leader, two_villages
):
    """A leader (view permissions only) posting to any page of the app that takes no object
    id gets 403 (a page that writes) or 405 (a page that only reads): nothing is written. A
    new page that accepts the post fails here until it checks a permission."""
    from cases import urls

    client.force_login(leader)
    names = [p.name for p in urls.urlpatterns if not p.pattern.regex.groups]
    assert "vote_new" in names and "home" in names
    for name in names:
        response = client.post(reverse(name), {})
        expected = 403 if name in WRITE_PAGES else 405
        assert response.status_code == expected, (name, response.status_code)
    for name, perm in WRITE_PAGES.items():
        assert not leader.has_perm(perm)
        assert client.get(reverse(name)).status_code == 403, name


@pytest.mark.parametrize("role", ROLES)
def test_admin_view_on_site_shows_nothing_out_of_scope(client, users, two_villages, role):
    user = users[role]
    if user.is_authenticated:
        client.force_login(user)
    for here, rows in two_villages.items():
        for label, row_key in SCOPED_ADMIN_MODELS.items():
            obj = rows[row_key]
            ct = ContentType.objects.get_for_model(obj)
            url = reverse("admin:view_on_site", args=[ct.pk, obj.pk])
            response = client.get(url, follow=True)
            if not may_see(user, rows["village"]) and user.is_authenticated and user.is_staff:
                assert response.status_code == 404, (role, label)
            assert response.status_code != 500
            assert_no_leak(response, user, two_villages, here)


@pytest.mark.parametrize("role", ["township_admin", "staff", "cadre_yannan", "leader"])
def test_admin_lists_show_no_other_village_and_no_whole_number(client, users, two_villages, role):
    user = users[role]
    user.is_staff = True  # a leader given the admin, read-only
    user.save()
    client.force_login(user)
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url)
        assert response.status_code in (200, 403), url
        assert_no_leak(response, user, two_villages, "yannan")


def test_unscoped_admin_models_need_their_permission(
    client, cadre_yannan, cadre_zhennan, staff, two_villages
):
    other = cadre_zhennan
    for user in (cadre_yannan, staff):
        client.force_login(user)
        for label in ("auth.user", "cases.staffprofile", "auth.group"):
            app, name = label.split(".")
            obj = (
                other
                if name == "user"
                else (other.staff_profile if name == "staffprofile" else other.groups.first())
            )
            for suffix in ("change", "history", "delete"):
                url = reverse(f"admin:{app}_{name}_{suffix}", args=[obj.pk])
                assert client.get(url).status_code == 403, (user, url)
        url = reverse("admin:auth_user_password_change", args=[other.pk])
        assert client.get(url).status_code == 403


def test_the_whole_numbers_show_for_the_permission_only(
    client, township_admin, staff, two_villages
):
    household = two_villages["zhennan"]["household"]
    url = reverse("admin:cases_household_change", args=[household.pk])
    client.force_login(township_admin)
    assert household.head_id_number in client.get(url).content.decode()
    client.force_login(staff)
    body = client.get(url).content.decode()
    assert household.head_id_number not in body
    assert household.masked_id_number in body
    history = reverse("admin:cases_household_history", args=[household.pk])
    body = client.get(history).content.decode()
    assert household.masked_phone in body  # the change of phone, masked on both sides
    assert household.phone not in body


@pytest.mark.parametrize("key", [k for k in ROLES if k != "anonymous"])
def test_no_object_url_answers_500(client, users, two_villages, key):
    """Ids that do not exist or are not numbers are 404 for everyone, never an error."""
    client.force_login(users[key])
    for name in ("cases_household_change", "cases_household_history", "cases_member_delete"):
        for bad in ("999999", "abc"):
            response = client.get(reverse(f"admin:{name}", args=[bad]))
            assert response.status_code in (302, 404), (name, bad)
    for name, page in PAGES.items():
        url = reverse(name, args=[999999] * (1 + len(page.more)))
        send = client.post if page.method == "POST" else client.get
        assert send(url, {"field": "phone"} if page.method == "POST" else {}).status_code in (
            403,
            404,
        ), name


def test_simple_history_admin_covers_every_tracked_model():
    for model, model_admin in admin.site._registry.items():
        if hasattr(model, "history"):
            assert isinstance(model_admin, SimpleHistoryAdmin), model
        assert re.match(r"^\w+$", model._meta.model_name)
