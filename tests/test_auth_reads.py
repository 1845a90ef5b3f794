"""cases.auth: the session and the user of each request, read with one plain query each, with
Django's rules unchanged (expired or unknown session, inactive or deleted user)."""

from datetime import timedelta

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.auth import ModelBackend, SessionStore

from .factories import UserFactory

PASSWORD = "pw-for-tests-1"


def _log_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_a_real_log_in_uses_the_plain_query_backend_and_session(client, staff):
    _log_in(client, staff)
    session = SessionStore(client.cookies["sessionid"].value)
    assert session[BACKEND_SESSION_KEY] == "cases.auth.ModelBackend"
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("case_list")).status_code == 200
    first_two = [q["sql"] for q in queries.captured_queries[:2]]
    assert "django_session" in first_two[0] and "auth_user" in first_two[1]
    assert client.get(reverse("case_list")).wsgi_request.user == staff


def test_a_deactivated_or_deleted_user_is_logged_out_at_the_next_request(client, staff):
    _log_in(client, staff)
    staff.is_active = False
    staff.save()
    response = client.get(reverse("case_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    other = UserFactory(username="leaving", role="township_staff")
    _log_in(client, other)
    assert client.get(reverse("case_list")).status_code == 200
    other.delete()
    assert client.get(reverse("case_list")).status_code == 302


def test_the_backend_reads_every_field_as_the_orm_does(staff):
    staff.last_login = timezone.now()
    staff.save()
    backend = ModelBackend()
    read = backend.get_user(str(staff.pk))  # the session holds the id as text
    orm = get_user_model().objects.get(pk=staff.pk)
    for field in get_user_model()._meta.concrete_fields:
        assert getattr(read, field.attname) == getattr(orm, field.attname), field.name
    assert read.has_perm("cases.add_visit")
    assert backend.get_user("not a number") is None
    assert backend.get_user(str(staff.pk + 1000)) is None


@pytest.mark.django_db
def test_the_session_store_reads_live_sessions_only():
    live = SessionStore()
    live["x"] = 1
    live.create()
    assert SessionStore(live.session_key)["x"] == 1
    unknown = SessionStore("k" * 32)
    assert unknown.load() == {} and unknown.session_key is None
    Session.objects.filter(session_key=live.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(live.session_key)
    assert expired.load() == {} and expired.session_key is None
