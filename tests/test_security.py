"""Roles, the scoped and masked admin, the logged reveal, audit history, log-in protection,
sessions, production settings, XSS and CSRF. The per-URL access matrix is in
test_access_matrix.py."""

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse

from cases import audit, roles
from cases.middleware import LOGIN_AT
from cases.models import Ballot, Case, Household, Member, RevealLog, Visit, Vote
from cases.services import visit_record

from .factories import (
    CaseFactory,
    HouseholdFactory,
    MemberFactory,
    ProjectFactory,
    UserFactory,
    township_staff,
)
from .support import staff_profile_post

BASE_DIR = Path(__file__).resolve().parent.parent


# --- Roles ---------------------------------------------------------------------------------


def test_setup_roles_creates_the_roles_and_running_it_again_changes_nothing(db):
    Group.objects.all().delete()
    call_command("setup_roles", verbosity=0)
    first = {
        g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()
    }
    call_command("setup_roles", verbosity=0)
    second = {
        g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()
    }
    assert first == second
    assert set(first) == {
        roles.TOWNSHIP_ADMIN,
        roles.TOWNSHIP_STAFF,
        roles.VILLAGE_CADRE,
        roles.LEADER,
    }


def test_a_leader_holds_view_permissions_only(leader):
    perms = leader.get_all_permissions()
    assert perms
    assert all(p.split(".")[1].startswith("view_") for p in perms), perms
    assert not leader.has_perm("cases.view_personal_numbers")
    assert not leader.is_staff


def test_a_township_administrator_cannot_make_anyone_superuser_or_take_over_one(
    client, township_admin, superuser, staff
):
    """Township administrators manage accounts and roles, not superuser status or single
    permissions, and cannot change a superuser's account or password."""
    client.force_login(township_admin)
    url = reverse("admin:auth_user_change", args=[township_admin.pk])
    body = client.get(url).content.decode()
    assert 'name="is_superuser"' not in body and 'name="user_permissions"' not in body
    assert 'name="groups"' in body  # roles are still theirs to give
    staff.user_permissions.add(Permission.objects.get(codename="add_household"))
    other = client.get(reverse("admin:auth_user_change", args=[staff.pk])).content.decode()
    shown = other.split('field-single_permissions">', 1)[1].split("</div>")
    assert "可新增户" in " ".join(shown[:4]) and "Can add" not in other
    response = client.post(
        url,
        {
            "username": township_admin.username,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [g.pk for g in township_admin.groups.all()],
            "user_permissions": [Permission.objects.get(codename="delete_user").pk],
            "date_joined_0": "2021-01-01",
            "date_joined_1": "00:00:00",
            **staff_profile_post(township_admin.staff_profile, user=township_admin),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    township_admin.refresh_from_db()
    assert not township_admin.is_superuser
    assert not township_admin.user_permissions.exists()
    password = reverse("admin:auth_user_password_change", args=[superuser.pk])
    assert client.get(password).status_code == 403
    assert (
        client.post(
            password, {"password1": "n3w-Pa55word", "password2": "n3w-Pa55word"}
        ).status_code
        == 403
    )
    assert (
        'name="username"'
        not in client.get(reverse("admin:auth_user_change", args=[superuser.pk])).content.decode()
    )
    # Other accounts' passwords are still theirs to reset.
    assert (
        client.get(reverse("admin:auth_user_password_change", args=[staff.pk])).status_code == 200
    )


def test_staff_profiles_and_the_reveal_log_are_the_administrators_alone(
    township_admin, staff, cadre_yannan, leader
):
    assert township_admin.has_perm("cases.view_reveallog")
    for user in (staff, cadre_yannan, leader):
        assert not user.has_perm("cases.view_staffprofile")
        assert not user.has_perm("cases.view_reveallog")


def test_a_leader_given_the_admin_cannot_change_anything(client, leader, two_villages):
    leader.is_staff = True
    leader.save()
    client.force_login(leader)
    before = {m: m.objects.count() for m in (Household, Member, Case, Visit, Vote, Ballot)}
    history_before = sum(m.history.count() for m in before)
    for rows in two_villages.values():
        for key in ("household", "member", "case", "visit", "vote", "ballot", "project", "village"):
            obj = rows[key]
            prefix = f"admin:cases_{obj._meta.model_name}"
            urls = [
                reverse(f"{prefix}_add"),
                reverse(f"{prefix}_change", args=[obj.pk]),
                reverse(f"{prefix}_delete", args=[obj.pk]),
            ]
            if hasattr(obj, "history"):
                version = obj.history.earliest().pk
                urls.append(reverse(f"{prefix}_simple_history", args=[obj.pk, version]))
            for url in urls:
                response = client.post(url, {"post": "yes", "head_name": "改名", "name": "改名"})
                assert response.status_code == 403, url
        for name in ("household_reveal", "member_reveal"):
            obj = rows[name.split("_")[0]]
            assert client.post(reverse(name, args=[obj.pk]), {"field": "phone"}).status_code == 403
    assert before == {m: m.objects.count() for m in before}
    assert history_before == sum(m.history.count() for m in before)
    assert not RevealLog.objects.filter(user=leader).exists()


# --- The admin: scope -------------------------------------------------------------------------


def test_admin_autocomplete_offers_only_visible_rows(client, cadre_yannan, two_villages):
    client.force_login(cadre_yannan)
    url = reverse("admin:autocomplete")
    for model_name, field_name, target in (
        ("household", "cooperative", "cooperative"),
        ("vote", "project", "project"),
        ("vote", "village", "village"),
        ("stage", "project", "project"),
    ):
        response = client.get(
            url, {"app_label": "cases", "model_name": model_name, "field_name": field_name}
        )
        assert response.status_code == 200, (model_name, field_name)
        ids = {int(r["id"]) for r in response.json()["results"]}
        assert ids == {two_villages["yannan"][target].pk}, (model_name, field_name)
        searched = client.get(
            url,
            {
                "app_label": "cases",
                "model_name": model_name,
                "field_name": field_name,
                "term": "镇南",
            },
        )
        assert searched.json()["results"] == []


def test_admin_list_filter_choices_are_scoped(client, cadre_yannan, two_villages):
    client.force_login(cadre_yannan)
    for url in (
        reverse("admin:cases_household_changelist"),
        reverse("admin:cases_case_changelist"),
        reverse("admin:cases_project_changelist"),
        reverse("admin:cases_vote_changelist"),
        reverse("admin:cases_ballot_changelist"),
    ):
        body = client.get(url).content.decode()
        assert "镇南" not in body and "上沙经济社" not in body, url
    ProjectFactory(name="烟南二期", villages=[two_villages["yannan"]["village"]])
    body = client.get(reverse("admin:cases_project_changelist")).content.decode()
    assert "烟南项目" in body and "烟南二期" in body  # the filter offers their own


def test_a_raw_id_of_another_village_shows_no_name(
    client, township_admin, cadre_yannan, two_villages
):
    cadre_yannan.user_permissions.add(
        *township_admin.groups.get().permissions.filter(codename="change_visit")
    )
    client.force_login(cadre_yannan)
    visit = two_villages["yannan"]["visit"]
    other_case = two_villages["zhennan"]["case"]
    response = client.post(
        reverse("admin:cases_visit_change", args=[visit.pk]),
        {"case": other_case.pk, "visited_on": "2021-04-04", "place": "home", "stance": "unknown"},
    )
    assert response.status_code == 200  # the form again, with an error
    body = response.content.decode()
    assert "镇南" not in body
    visit.refresh_from_db()
    assert visit.case == two_villages["yannan"]["case"]


def test_view_only_users_cannot_revert_through_the_history_page(client, staff, two_villages):
    household = two_villages["yannan"]["household"]
    version = household.history.earliest()
    staff.is_staff = True
    client.force_login(staff)
    url = reverse("admin:cases_household_simple_history", args=[household.pk, version.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"head_name": "回滚"}).status_code == 403
    household.refresh_from_db()
    assert household.head_name == "烟南户主"


def test_the_history_of_a_deleted_row_is_404_for_a_village_cadre(
    client, cadre_yannan, staff, yannan_coop
):
    household = HouseholdFactory(cooperative=yannan_coop)
    pk = household.pk
    household.delete()
    url = reverse("admin:cases_household_history", args=[pk])
    client.force_login(cadre_yannan)
    assert client.get(url).status_code == 404
    client.force_login(staff)
    assert client.get(url).status_code == 200


# --- The admin: masked numbers -----------------------------------------------------------


def test_masked_numbers_have_no_input_carrying_the_whole_number(client, staff, two_villages):
    client.force_login(staff)
    household = two_villages["yannan"]["household"]
    body = client.get(reverse("admin:cases_household_change", args=[household.pk])).content.decode()
    assert 'name="head_id_number"' not in body
    assert 'name="phone"' not in body
    assert household.masked_id_number in body
    assert household.head_id_number not in body
    member = two_villages["yannan"]["member"]
    assert member.masked_id_number in body  # the members inline, masked too
    assert member.id_number not in body


def test_users_with_the_permission_edit_the_numbers(client, township_admin, two_villages):
    client.force_login(township_admin)
    household = two_villages["yannan"]["household"]
    body = client.get(reverse("admin:cases_household_change", args=[household.pk])).content.decode()
    assert 'name="head_id_number"' in body
    assert f'value="{household.head_id_number}"' in body


def test_the_add_page_keeps_the_numbers_editable(client, township_admin):
    client.force_login(township_admin)
    body = client.get(reverse("admin:cases_household_add")).content.decode()
    assert 'name="head_id_number"' in body


def test_changelists_mask_for_users_without_the_permission(
    client, staff, township_admin, two_villages
):
    household = two_villages["zhennan"]["household"]
    url = reverse("admin:cases_household_changelist")
    client.force_login(staff)
    body = client.get(url).content.decode()
    assert household.masked_id_number in body and household.masked_phone in body
    assert household.head_id_number not in body and household.phone not in body
    client.force_login(township_admin)
    body = client.get(url).content.decode()
    assert household.head_id_number in body


@pytest.mark.parametrize(
    ("model", "row", "field"),
    [
        ("household", "household", "head_id_number"),
        ("household", "household", "phone"),
        ("member", "member", "id_number"),
        ("member", "member", "phone"),
    ],
)
def test_a_changelist_cannot_be_filtered_on_a_masked_number(
    client, staff, township_admin, two_villages, model, row, field
):
    """``?phone__startswith=…`` answered with the row or without it would tell the hidden
    digits one request at a time: refused (400) for users who see the numbers masked."""
    obj = two_villages["yannan"][row]
    whole = getattr(obj, field)
    url = reverse(f"admin:cases_{model}_changelist")
    client.force_login(staff)
    for lookup in (field, f"{field}__startswith", f"{field}__regex"):
        response = client.get(url, {lookup: whole[:10]})
        assert response.status_code == 400, lookup
    client.force_login(township_admin)
    response = client.get(url, {field: whole})
    assert response.status_code == 200
    assert str(obj) in response.content.decode() or whole in response.content.decode()


def test_the_reveal_log_is_read_only_in_the_admin(client, township_admin, two_villages):
    client.force_login(township_admin)
    log = two_villages["yannan"]["reveallog"]
    assert client.get(reverse("admin:cases_reveallog_changelist")).status_code == 200
    assert client.get(reverse("admin:cases_reveallog_add")).status_code == 403
    assert (
        client.post(
            reverse("admin:cases_reveallog_delete", args=[log.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    model_admin = admin.site._registry[RevealLog]
    assert not model_admin.has_change_permission(None, log)


# --- The deliberate reveal ------------------------------------------------------------------


def test_revealing_a_number_answers_it_and_logs_who_whose_what_when_where(
    client, township_admin, two_villages
):
    client.force_login(township_admin)
    member = two_villages["zhennan"]["member"]
    response = client.post(
        reverse("member_reveal", args=[member.pk]), {"field": "id_number"}, REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 200
    assert response.json() == {"field": "id_number", "value": member.id_number}
    log = RevealLog.objects.get(user=township_admin)
    assert (log.member, log.household, log.field, log.subject, log.ip_address) == (
        member,
        member.household,
        "id_number",
        "镇南成员",
        "10.1.2.3",
    )
    assert log.revealed_at is not None


def test_revealing_needs_the_permission_and_post(client, staff, township_admin, two_villages):
    household = two_villages["yannan"]["household"]
    url = reverse("household_reveal", args=[household.pk])
    client.force_login(staff)
    response = client.post(url, {"field": "head_id_number"})
    assert response.status_code == 403
    assert household.head_id_number not in response.content.decode()
    client.force_login(township_admin)
    assert client.get(url).status_code == 405
    assert client.post(url, {"field": "notes"}).status_code == 400
    assert client.post(url, {"field": "id_number"}).status_code == 400  # a member's field
    assert not RevealLog.objects.filter(user__in=[staff, township_admin]).exists()


def test_the_reveal_partial_offers_the_button_only_with_the_permission(
    rf, staff, township_admin, two_villages
):
    from django.template import Context, Template

    household = two_villages["yannan"]["household"]
    template = Template('{% load landreform %}{% personal_number household "head_id_number" %}')
    for user, has_button in ((township_admin, True), (staff, False)):
        html = template.render(Context({"user": user, "household": household}))
        assert household.masked_id_number in html
        assert household.head_id_number not in html
        assert ("data-reveal-url" in html) is has_button
        if has_button:
            assert reverse("household_reveal", args=[household.pk]) in html


def test_reveal_js_is_a_static_file_loaded_by_the_base_template():
    assert (BASE_DIR / "static/js/reveal.js").is_file()
    assert "js/reveal.js" in (BASE_DIR / "templates/base.html").read_text()


# --- Audit history --------------------------------------------------------------------------


def test_every_tracked_model_keeps_a_row_per_change(two_villages, superuser):
    rows = two_villages["yannan"]
    for key, field, value in (
        ("household", "address", "烟南大道1号"),
        ("member", "name", "烟南成员改"),
        ("case", "notes", "谈过补偿"),
        ("visit", "notes", "第二次"),
        ("vote", "subject", "烟南表决改"),
        ("ballot", "choice", Ballot.Choice.AGAINST),
    ):
        obj = rows[key]
        before = obj.history.count()
        setattr(obj, field, value)
        obj.save()
        latest = obj.history.latest()
        assert obj.history.count() == before + 1, key
        assert latest.history_type == "~"
        delta = latest.diff_against(latest.prev_record)
        assert [c.field for c in delta.changes] == [field], key


def test_an_admin_change_records_who_made_it(client, township_admin, two_villages):
    household = two_villages["yannan"]["household"]
    client.force_login(township_admin)
    url = reverse("admin:cases_household_change", args=[household.pk])
    form = client.get(url).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if not isinstance(v, list)}
    data.update(
        {
            "head_name": "烟南户主新",
            "members-TOTAL_FORMS": "0",
            "members-INITIAL_FORMS": "0",
            "cases-TOTAL_FORMS": "0",
            "cases-INITIAL_FORMS": "0",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    latest = household.history.latest()
    assert (latest.head_name, latest.history_user) == ("烟南户主新", township_admin)


def test_household_history_tells_who_changed_what_when_old_to_new(
    two_villages, staff, township_admin, superuser, django_assert_max_num_queries
):
    household = two_villages["yannan"]["household"]
    case = two_villages["yannan"]["case"]
    for n in range(3):
        visit_record(
            case=case, recorded_by=superuser, visited_on=date(2021, 5, 1 + n), stance="opposed"
        )
    member = MemberFactory(household=household, name="新成员")
    member.delete()
    with django_assert_max_num_queries(7):  # five reads, two for the user's permissions
        rows = audit.household_history(household, staff)
    kinds = {(r.what, r.kind) for r in rows}
    assert ("household", "created") in kinds and ("household", "changed") in kinds
    assert ("member", "deleted") in kinds and ("visit", "created") in kinds
    assert ("case", "changed") in kinds
    assert rows == sorted(rows, key=lambda r: r.when, reverse=True)
    phone_change = next(c for r in rows for c in r.changes if c.field == "phone")
    assert (phone_change.old, phone_change.new) == ("139****0101", "137****0101")
    status = next(c for r in rows if r.what == "case" for c in r.changes if c.field == "status")
    assert status.new in ("opposed, not signed", "反对（未签约）")  # the label, not the code
    whole = next(
        c
        for r in audit.household_history(household, township_admin)
        for c in r.changes
        if c.field == "phone"
    )
    assert (whole.old, whole.new) == ("13912340101", "13756780101")
    html = render_to_string("cases/partials/history.html", {"history_rows": rows})
    assert "139****0101" in html and "137****0101" in html and "13912340101" not in html


def test_household_history_costs_seven_queries_however_long(
    yannan_coop, superuser, django_assert_max_num_queries
):
    household = HouseholdFactory(cooperative=yannan_coop)
    for n in range(5):
        MemberFactory(household=household)
        case = CaseFactory(household=household)
        for day in range(1, 4):
            visit_record(case=case, recorded_by=superuser, visited_on=date(2021, 3, day + n))
    with django_assert_max_num_queries(7):  # five reads, two for the user's permissions
        rows = audit.household_history(household, superuser)
    assert len(rows) > 30


# 50 rows fit one batch on SQLite (999 parameters a query), so both sizes cost the same.
@pytest.mark.parametrize("size", [5, 50])
def test_bulk_history_writes_rows_and_history_in_a_query_per_batch(
    yannan_coop, superuser, django_assert_max_num_queries, size
):
    households = [
        Household(
            cooperative=yannan_coop,
            number=f"B{n:04d}",
            head_name=f"批量{n}",
            contracted_mu=Decimal("1"),
        )
        for n in range(size)
    ]
    with django_assert_max_num_queries(2):
        created = audit.bulk_history(Household, households, superuser, "import roster.xlsx")
    assert all(h.pk for h in created)
    history = Household.history.filter(history_change_reason="import roster.xlsx")
    assert history.count() == size
    assert set(history.values_list("history_user", "history_type").distinct()) == {
        (superuser.pk, "+")
    }
    for h in created:
        h.member_count = 5
    with django_assert_max_num_queries(3):
        audit.bulk_history(Household, created, superuser, "second import", fields=["member_count"])
    assert Household.objects.filter(member_count=5).count() == size
    assert (
        Household.history.filter(history_change_reason="second import", member_count=5).count()
        == size
    )


# --- Log-in protection ------------------------------------------------------------------------


def _log_in(client, username, password, address):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_five_failures_lock_the_username_from_that_address_only(client, staff, cadre_yannan):
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _log_in(client, "staff", "wrong", "10.0.0.1")
    locked = _log_in(client, "staff", "pw-for-tests-1", "10.0.0.1")
    assert locked.status_code == 429
    assert "Too many failed log-ins" in locked.content.decode() or "登录" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert _log_in(client, "staff", "pw-for-tests-1", "10.0.0.2").status_code == 302
    client.logout()
    assert _log_in(client, "cadre_yannan", "pw-for-tests-1", "10.0.0.1").status_code == 302


def test_four_failures_do_not_lock(client, staff):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _log_in(client, "staff", "wrong", "10.0.0.9").status_code == 200
    assert _log_in(client, "staff", "pw-for-tests-1", "10.0.0.9").status_code == 302


def test_the_client_address_behind_a_proxy_is_the_one_the_proxy_saw(rf, settings):
    from cases.access import client_ip

    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert client_ip(request) == "127.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.7"


def test_password_validators_refuse_weak_passwords(db):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("12345678", "password", "short"):
        with pytest.raises(ValidationError):
            validate_password(weak)


def test_sessions_time_out_when_idle_and_are_renewed_every_few_minutes(client, staff):
    from cases.middleware import RENEWED_AT

    assert settings.SESSION_COOKIE_AGE == 60 * 60
    client.force_login(staff)  # logging in stores the session with a full idle timeout
    # Within the renewal interval the session is not written again ...
    assert settings.SESSION_COOKIE_NAME not in client.get(reverse("home")).cookies
    # ... after it, the next request pushes the expiry back.
    session = client.session
    session[RENEWED_AT] = int(time.time()) - settings.SESSION_RENEW_SECONDS
    session.save()
    response = client.get(reverse("home"))
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE


def test_sessions_end_after_the_absolute_lifetime_however_busy(client, staff):
    client.force_login(staff)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[LOGIN_AT] = int(time.time()) - settings.SESSION_ABSOLUTE_LIFETIME - 1
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.get(reverse("home")).status_code == 302  # logged out, not just redirected


def test_a_password_change_logs_out_every_other_session(client, staff):
    from .conftest import Client

    other = Client()
    assert client.login(username="staff", password="pw-for-tests-1")
    assert other.login(username="staff", password="pw-for-tests-1")
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "pw-for-tests-1",
            "new_password1": "a-much-longer-passphrase-9",
            "new_password2": "a-much-longer-passphrase-9",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200  # the session that changed it stays
    assert other.get(reverse("home")).status_code == 302


# --- Production settings ------------------------------------------------------------------


def production_env(**extra):
    # Not the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE, nor any security override of the shell.
    leave_out = ("SECURE_", "SESSION_", "CSRF_", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(leave_out)}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "landreform.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1,landreform.example.org",
        }
    )
    env.update(extra)
    return env


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_every_response_carries_the_security_headers(client, township_admin):
    client.force_login(township_admin)
    for url in (
        reverse("home"),
        reverse("login"),
        reverse("admin:index"),
        reverse("admin:cases_household_changelist"),
    ):
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"


INLINE = [
    (
        re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
        "inline script",
    ),
    (re.compile(r"\sstyle=\"", re.I), "style attribute"),
    (re.compile(r"<style", re.I), "style element"),
    (re.compile(r"\son[a-z]+=\"", re.I), "event-handler attribute"),
]


def test_no_template_has_inline_script_or_style():
    offenders = []
    for path in (BASE_DIR / "templates").rglob("*.html"):
        text = path.read_text()
        offenders += [f"{path}: {what}" for pattern, what in INLINE if pattern.search(text)]
    assert not offenders


def test_admin_pages_render_without_inline_script_or_style(client, township_admin, two_villages):
    """Django 5.2's admin needs neither, so the CSP can forbid both there too."""
    client.force_login(township_admin)
    household = two_villages["yannan"]["household"]
    version = household.history.earliest().pk
    for url in (
        reverse("admin:index"),
        reverse("admin:cases_household_changelist"),
        reverse("admin:cases_household_change", args=[household.pk]),
        reverse("admin:cases_household_history", args=[household.pk]),
        reverse("admin:cases_household_simple_history", args=[household.pk, version]),
        reverse("admin:cases_visit_add"),
    ):
        body = client.get(url).content.decode()
        for pattern, what in INLINE:
            assert not pattern.search(body), (url, what, pattern.search(body).group(0))


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _get(url, headers=None):
    """GET on loopback without following redirects: (status, headers, body)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with _opener.open(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture
def serve_database_url(tmp_path):
    """An empty database for the production run: a SQLite file, or a scratch PostgreSQL
    database created and dropped here when the suite runs on PostgreSQL."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        yield f"sqlite:///{tmp_path / 'serve.sqlite3'}"
        return
    import psycopg2

    name = f"landreform_serve_{os.getpid()}"
    params = {
        "dbname": "postgres",
        "user": db["USER"],
        "host": db["HOST"],
        "port": db["PORT"] or 5432,
    }
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    conn = psycopg2.connect(**params)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    yield f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{name}"
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def test_scripts_serve_runs_gunicorn_with_whitenoise_and_debug_off(tmp_path, serve_database_url):
    port = _free_port()
    static_root = tmp_path / "static"
    env = production_env(
        DATABASE_URL=serve_database_url,
        STATIC_ROOT=str(static_root),
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        PYTHON=sys.executable,
    )
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [str(BASE_DIR / "scripts/serve")],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    https = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
    try:
        deadline = time.monotonic() + 180
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                status, _headers, body = _get(f"{base}/healthz")
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.5)
        assert status == 200, (tmp_path / "serve.log").read_text()
        assert body == b"ok\n"

        manifest = json.loads((static_root / "staticfiles.json").read_text())
        hashed = manifest["paths"]["css/app.css"]
        assert hashed != "css/app.css"
        status, headers, body = _get(f"{base}/static/{hashed}", https)
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        assert "immutable" in headers.get("Cache-Control", "")
        assert body == (BASE_DIR / "static/css/app.css").read_bytes()

        status, headers, body = _get(f"{base}/accounts/login/", https)
        assert status == 200
        assert f"/static/{hashed}" in body.decode()
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "Strict-Transport-Security" in headers
        assert "Secure" in headers.get("Set-Cookie", "Secure")

        status, headers, _body = _get(f"{base}/accounts/login/")  # plain HTTP
        assert status == 301 and headers["Location"].startswith("https://")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


# --- Backups ---------------------------------------------------------------------------------

#: What `dumpdata` leaves out (README "Backups"): rebuilt by migrate, or not worth keeping.
DUMP_EXCLUDES = ["contenttypes", "auth.permission", "sessions", "admin.logentry", "axes"]


def test_dumpdata_and_loaddata_round_trip_the_demo(transactional_db, tmp_path):
    from django.apps import apps

    call_command("load_demo", verbosity=0)
    household = Household.objects.order_by("pk").first()
    household.address = "九江镇烟南村"
    household.save()  # a history row, which the backup keeps too
    models = [
        m
        for m in apps.get_models()
        if m._meta.app_label not in ("contenttypes", "sessions", "admin", "axes")
        and m._meta.label != "auth.Permission"
    ]
    before = {m._meta.label: m._default_manager.count() for m in models}
    assert before["cases.Household"] > 500 and before["cases.HistoricalHousehold"] > 0
    dump = tmp_path / "backup.json"
    call_command(
        "dumpdata",
        "--natural-foreign",
        "--natural-primary",
        *[f"--exclude={e}" for e in DUMP_EXCLUDES],
        output=str(dump),
        verbosity=0,
    )
    call_command("flush", interactive=False, verbosity=0)
    assert Household.objects.count() == 0
    call_command("loaddata", str(dump), verbosity=0)
    after = {m._meta.label: m._default_manager.count() for m in models}
    assert after == before


# --- XSS and CSRF ---------------------------------------------------------------------------

ATTACKS = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>", '"><svg onload=alert(3)>']


def test_names_and_notes_render_as_text_everywhere(
    client, township_admin, yannan, yannan_coop, superuser
):
    project = ProjectFactory(name=ATTACKS[0], villages=[yannan])
    household = HouseholdFactory(cooperative=yannan_coop, head_name=ATTACKS[0], notes=ATTACKS[1])
    member = MemberFactory(household=household, name=ATTACKS[2])
    case = CaseFactory(project=project, household=household, notes=ATTACKS[1])
    visit, _ = visit_record(
        case=case, recorded_by=superuser, visited_on=date(2021, 4, 4), notes=ATTACKS[0]
    )
    household.head_name = ATTACKS[1]
    household.save()
    client.force_login(township_admin)
    pages = [reverse("home")]
    for obj in (household, member, case, visit, project):
        prefix = f"admin:cases_{obj._meta.model_name}"
        pages += [
            reverse(f"{prefix}_changelist"),
            reverse(f"{prefix}_change", args=[obj.pk]),
            reverse(f"{prefix}_history", args=[obj.pk]),
            reverse(f"{prefix}_delete", args=[obj.pk]),
        ]
        if hasattr(obj, "history"):
            version = obj.history.earliest().pk
            pages.append(reverse(f"{prefix}_simple_history", args=[obj.pk, version]))
    bodies = [client.get(url).content.decode() for url in pages]
    bodies.append(
        render_to_string(
            "cases/partials/history.html",
            {"history_rows": audit.household_history(household, township_admin)},
        )
    )
    for body in bodies:
        for attack in ATTACKS:
            assert attack not in body
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in body for body in bodies)


FORM = re.compile(r"<form\b[^>]*>", re.I)


def _post_forms(body, page_url):
    for tag in FORM.findall(body):
        if re.search(r'method="post"', tag, re.I):
            action = re.search(r'action="([^"]*)"', tag)
            yield (action.group(1) if action and action.group(1) else page_url).replace(
                "&amp;", "&"
            )


def test_every_form_needs_its_csrf_token(csrf_client, township_admin, two_villages):
    household = two_villages["yannan"]["household"]
    version = household.history.earliest().pk
    anonymous_pages = [reverse("login")]
    pages = [
        reverse("home"),
        reverse("password_change"),
        reverse("admin:index"),
        reverse("admin:cases_household_changelist"),
        reverse("admin:cases_household_add"),
        reverse("admin:cases_household_change", args=[household.pk]),
        reverse("admin:cases_household_delete", args=[household.pk]),
        reverse("admin:cases_household_simple_history", args=[household.pk, version]),
        reverse("admin:cases_visit_add"),
        reverse("admin:password_change"),
    ]
    checked = set()
    for logged_in, urls in ((False, anonymous_pages), (True, pages)):
        if logged_in:
            csrf_client.force_login(township_admin)
        for url in urls:
            response = csrf_client.get(url)
            assert response.status_code == 200, url
            for action in _post_forms(response.content.decode(), url):
                response = csrf_client.post(
                    action, {"field": "phone", "username": "x", "password": "y"}
                )
                assert response.status_code == 403, (url, action)
                checked.add(action)
    for name, obj in (
        ("household_reveal", household),
        ("member_reveal", two_villages["yannan"]["member"]),
    ):
        assert csrf_client.post(reverse(name, args=[obj.pk]), {"field": "phone"}).status_code == 403
    assert {reverse("login"), reverse("logout"), reverse("set_language")} <= checked
    assert len(checked) >= 8
    assert not RevealLog.objects.filter(user=township_admin).exists()
    household.refresh_from_db()
    assert household.head_name == "烟南户主"


def test_roles_exist_for_the_factories(db):
    assert Group.objects.filter(name=roles.LEADER).exists()
    assert UserFactory(role=roles.LEADER).groups.get().name == roles.LEADER


def test_no_one_named_in_the_records_is_deleted_only_deactivated(
    client, superuser, staff, yannan_case
):
    """Deleting a user emptied their name in every history row and took them off the visits
    they made: an account named in the records can only be deactivated."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    visitor = township_staff(username="visitor_x")
    visit_record(
        case=yannan_case,
        recorded_by=staff,
        visited_on=timezone.localdate(),
        visitors=[staff, visitor],
    )
    unused = UserFactory(username="never_used")
    client.force_login(superuser)
    user_admin = "admin:auth_user"

    assert client.get(reverse(f"{user_admin}_delete", args=[visitor.pk])).status_code == 403
    assert (
        client.post(reverse(f"{user_admin}_delete", args=[visitor.pk]), {"post": "yes"}).status_code
        == 403
    )
    page = client.get(reverse(f"{user_admin}_change", args=[visitor.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "cannot be deleted: untick" in page.content.decode()
    changelist = client.get(reverse(f"{user_admin}_changelist"))
    assert changelist.status_code == 200
    assert "delete_selected" not in changelist.content.decode()
    assert get_user_model().objects.filter(pk=visitor.pk).exists()

    response = client.post(reverse(f"{user_admin}_delete", args=[unused.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not get_user_model().objects.filter(pk=unused.pk).exists()


def test_the_user_change_page_asks_once_whether_the_records_name_the_user(
    client, superuser, staff, yannan_case, monkeypatch
):
    """The notice and the delete link both depend on it; each asking costs up to nine queries."""
    from django.utils import timezone

    from cases import audit

    visit_record(
        case=yannan_case, recorded_by=staff, visited_on=timezone.localdate(), visitors=[staff]
    )
    calls = []
    real = audit.user_is_named_in_records
    monkeypatch.setattr(
        audit, "user_is_named_in_records", lambda user: calls.append(user) or real(user)
    )
    client.force_login(superuser)

    page = client.get(reverse("admin:auth_user_change", args=[staff.pk]), HTTP_ACCEPT_LANGUAGE="en")

    assert "cannot be deleted: untick" in page.content.decode()
    assert calls == [staff]


def test_the_user_admin_names_roles_in_the_page_language(client, township_admin, cadre_yannan):
    """Roles were offered and filtered by their codes (leader, township_admin, village_cadre)
    on a Chinese page."""
    client.force_login(township_admin)
    pages = [
        client.get(reverse("admin:auth_user_change", args=[cadre_yannan.pk])).content.decode(),
        client.get(reverse("admin:auth_user_changelist")).content.decode(),
    ]
    for page in pages:
        assert "村（社区）干部" in page and "镇领导（只读）" in page
        assert ">village_cadre<" not in page and ">leader<" not in page
        assert "village_cadre</a>" not in page
    changelist = reverse("admin:auth_user_changelist")
    cadres = client.get(changelist, {"groups__id__exact": cadre_yannan.groups.get().pk})
    assert [u.username for u in cadres.context["cl"].result_list] == ["cadre_yannan"]
