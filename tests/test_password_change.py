"""Changing one's own password from the app (a leader has no admin to do it in), in the app's
own pages and language; no e-mailed reset, as the app sends no e-mail."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse

OLD = "pw-for-tests-1"
NEW = "a-much-longer-passphrase-9"


def change(client, old=OLD, new1=NEW, new2=NEW, **headers):
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new1, "new_password2": new2},
        **headers,
    )


def test_every_page_links_the_users_name_to_the_password_change(client, leader):
    client.force_login(leader)
    page = client.get(reverse("home")).content.decode()
    assert f'<a class="who" href="{reverse("password_change")}"' in page


@pytest.mark.parametrize(
    ("language", "heading", "not_admin"),
    [
        ("zh-CN", "修改密码", "Django 站点管理"),
        ("en", "Change your password", "Django administration"),
    ],
)
def test_the_page_is_the_apps_own_in_the_users_language(
    client, leader, language, heading, not_admin
):
    client.force_login(leader)
    response = client.get(reverse("password_change"), HTTP_ACCEPT_LANGUAGE=language)
    page = response.content.decode()
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in page and not_admin not in page
    assert 'class="topbar"' in page  # the app's header, with its navigation


def test_a_leader_changes_their_password_and_stays_logged_in(client, leader):
    client.force_login(leader)
    response = change(client)
    assert response["Location"] == reverse("password_change_done")
    done = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your password was changed." in done
    assert client.get(reverse("home")).status_code == 200
    leader.refresh_from_db()
    assert leader.check_password(NEW) and not leader.check_password(OLD)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"old": "not-my-password"}, "old_password", "你的旧密码不正确"),
        ({"new2": "something-else-entirely-7"}, "new_password2", "输入的两个密码不一致"),
        ({"new1": "123", "new2": "123"}, "new_password2", "密码太短，至少要有 8 个字符"),
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(client, leader, fields, field, message):
    client.force_login(leader)
    response = change(client, **fields, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert message in response.content.decode()
    user = get_user_model().objects.get(pk=leader.pk)
    assert user.check_password(OLD)


def test_the_page_needs_a_log_in(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_there_is_no_e_mailed_password_reset(client):
    """The app sends no e-mail: a page promising one would leave the user waiting."""
    with pytest.raises(NoReverseMatch):
        reverse("password_reset")
    assert client.get("/accounts/password_reset/").status_code == 404


def test_the_admin_header_offers_to_change_the_password_not_to_confirm_a_change(client, superuser):
    """The app's password form says 确认修改 on its button; the admin's header link, the same
    English words, once borrowed it and read "confirm the change" on every admin page."""
    client.force_login(superuser)

    admin_page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    own_form = client.get(reverse("password_change"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()

    assert f'<a href="{reverse("admin:password_change")}">修改密码</a>' in admin_page
    assert "确认修改" not in admin_page
    assert '<button type="submit" class="primary">确认修改</button>' in own_form
