"""The server's side of visit drafts (static/js/visit-drafts.js; the browser's side is in
tests/browser/test_visit_drafts_browser.py): the form names its draft per user and case, the
confirmation carries the visit's client_id so that the page shown next removes the draft, a
refused form post is explained in the user's language."""

import re

from django.urls import reverse

from .support import visit_form_data


def _messages(page: str) -> list[str]:
    return re.findall(r'<ul class="messages"[^>]*>.*?</ul>', page, re.S)


def test_the_form_names_its_draft_by_user_and_case(client, staff, yannan_case):
    client.force_login(staff)
    page = client.get(reverse("visit_new", args=[yannan_case.pk]) + "?next=/cases/").content
    page = page.decode()
    assert f'data-draft-key="landreform:visit-draft:{staff.pk}:{yannan_case.pk}"' in page
    assert f'data-draft-url="/cases/{yannan_case.pk}/visits/new/?next=/cases/"' in page
    assert "data-draft-keep-server" not in page  # a fresh form: a draft may fill it
    assert 'class="draft-notice" role="status" hidden' in page
    assert 'class="offline-notice' in page


def test_a_form_sent_back_with_errors_is_not_overwritten_by_a_draft(client, staff, yannan_case):
    client.force_login(staff)
    data = visit_form_data(stance="", notes="带回来的笔记")
    response = client.post(reverse("visit_new", args=[yannan_case.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "data-draft-keep-server" in page
    assert "带回来的笔记" in page  # what was typed is shown again
    assert f'value="{data["client_id"]}"' in page


def test_the_confirmation_carries_the_client_id_once_saved_and_when_sent_again(
    client, staff, yannan_case
):
    client.force_login(staff)
    data = visit_form_data(visitors=[staff.pk])
    url = reverse("visit_new", args=[yannan_case.pk])
    for expected in ("success", "info"):  # stored, then "already saved"
        response = client.post(url, data, follow=True)
        messages = _messages(response.content.decode())
        assert len(messages) == 1
        assert re.search(rf'class="visit-saved {data["client_id"]} {expected}"', messages[0])


def test_the_confirmation_carries_the_client_id_with_other_visitors(
    client, staff, cadre_yannan, yannan_case
):
    """Other visitors ticked: the ORM path on every database."""
    client.force_login(staff)
    data = visit_form_data(visitors=[staff.pk, cadre_yannan.pk])
    response = client.post(reverse("visit_new", args=[yannan_case.pk]), data, follow=True)
    assert f'class="visit-saved {data["client_id"]} success"' in response.content.decode()


def test_every_page_lists_drafts_for_the_logged_in_user_only(client, staff):
    page = client.get(reverse("login")).content.decode()
    assert 'id="visit-drafts"' not in page
    assert "visit-drafts.js" in page  # harmless without a user: it finds no list
    client.force_login(staff)
    page = client.get(reverse("home")).content.decode()
    assert f'id="visit-drafts" class="draft-banner" data-user="{staff.pk}"' in page
    assert re.search(r'<form method="post" action="/accounts/logout/"[^>]*data-clears-drafts', page)


def test_a_refused_post_is_explained_in_the_users_language(csrf_client, staff, yannan_case):
    csrf_client.force_login(staff)
    url = reverse("visit_new", args=[yannan_case.pk])
    response = csrf_client.post(url, visit_form_data(), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 403
    page = response.content.decode()
    assert "表单已过期" in page
    assert "保存在本设备上" in page
    assert 'id="visit-drafts"' in page  # the user's drafts, with links back to their forms
    response = csrf_client.post(url, visit_form_data(), HTTP_ACCEPT_LANGUAGE="en")
    assert "The form was out of date" in response.content.decode()
