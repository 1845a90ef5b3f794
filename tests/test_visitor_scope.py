"""Who a visit can be credited to (``services.visit_check_visitors``): the visit form offers
only active township staff and the village's own cadres, and the services and the admin, which
take visitors by id, refuse anyone else, beside the field and writing nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.models import Case, Visit
from cases.services import visit_correct

from .factories import UserFactory, township_staff
from .support import admin_visit_post
from .test_admin_changelists import _admin_data
from .test_visit_correct import _as_it_says
from .test_visit_history import _log


@pytest.fixture
def leaver(db):
    """Township staff who will leave: ``_close`` deactivates their account."""
    return township_staff(username="leaver", last_name="离", first_name="职")


def _close(user):
    user.is_active = False
    user.save()
    return user


@pytest.fixture
def closed(leaver):
    """Someone who was township staff and has left."""
    return _close(leaver)


@pytest.fixture
def outsider(db):
    """An account with no staff profile (a villager's log-in, a test account)."""
    return UserFactory(username="outsider", last_name="外", first_name="人")


@pytest.mark.parametrize("who", ["cadre_zhennan", "closed", "outsider"])
def test_logging_a_visit_refuses_who_cannot_have_made_it_and_writes_nothing(
    request, yannan_case, staff, who
):
    """A cadre of another village, a closed account, an account without a staff profile."""
    person = request.getfixturevalue(who)
    before = Case.objects.values().get(pk=yannan_case.pk)
    with pytest.raises(ValidationError) as raised:
        _log(yannan_case, staff, [staff, person])
    (message,) = raised.value.message_dict["visitors"]
    assert person.username in message or person.last_name in message
    assert "cannot be credited" in message
    assert not Visit.objects.exists() and not Visit.history.exists()
    assert Case.objects.values().get(pk=yannan_case.pk) == before


def test_the_villages_cadres_and_township_staff_can_be_credited(yannan_case, staff, cadre_yannan):
    colleague = township_staff(username="colleague")
    visit = _log(yannan_case, staff, [staff, cadre_yannan, colleague])
    assert set(visit.visitors.all()) == {staff, cadre_yannan, colleague}


def test_the_recorder_is_credited_whatever_their_profile(yannan_case, superuser, staff):
    """The one logging it: their own right to log a visit here is checked by the views; an
    administrator without a staff profile logs one from the admin."""
    visit = _log(yannan_case, superuser, [superuser, staff])
    assert set(visit.visitors.all()) == {superuser, staff}
    assert list(_log(yannan_case, superuser).visitors.all()) == [superuser]


def test_a_correction_keeps_visitors_who_have_left_but_adds_no_one_who_cannot(
    yannan_case, staff, leaver, cadre_zhennan
):
    visit = _log(yannan_case, staff, [staff, leaver])
    closed = _close(leaver)
    # Correcting the notes keeps them on it.
    visit = visit_correct(visit=visit, user=staff, **_as_it_says(visit, notes="补记"))
    assert set(visit.visitors.all()) == {staff, closed}
    rows = visit.history.count()
    with pytest.raises(ValidationError) as raised:
        visit_correct(
            visit=visit,
            user=staff,
            **_as_it_says(visit, notes="又改", visitors=[staff, closed, cadre_zhennan]),
        )
    assert "visitors" in raised.value.message_dict
    visit.refresh_from_db()
    assert visit.notes == "补记" and set(visit.visitors.all()) == {staff, closed}
    assert visit.history.count() == rows


def test_the_admin_refuses_another_villages_cadre_beside_the_field(
    client, superuser, yannan_case, staff, cadre_zhennan
):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:cases_visit_add"), admin_visit_post(yannan_case, [staff, cadre_zhennan])
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["visitors"] and "cadre_zhennan" in errors["visitors"][0]
    assert not Visit.objects.exists()


def test_the_admin_adds_a_visit_credited_to_the_administrator_who_enters_it(
    client, superuser, yannan_case, staff
):
    """The administrator has no staff profile: as the one recording it they may be named."""
    client.force_login(superuser)
    response = client.post(
        reverse("admin:cases_visit_add"), admin_visit_post(yannan_case, [staff, superuser])
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert set(Visit.objects.get().visitors.all()) == {staff, superuser}


def test_the_admin_keeps_a_stored_visits_visitors_and_refuses_new_ones(
    client, superuser, yannan_case, staff, leaver, outsider
):
    visit = _log(yannan_case, staff, [staff, leaver])
    closed = _close(leaver)
    client.force_login(superuser)
    url = reverse("admin:cases_visit_change", args=[visit.pk])
    kept = _admin_data(client, url, visitors=f"{staff.pk},{closed.pk}", concerns=[], notes="补")
    assert client.post(url, kept).status_code == 302
    assert Visit.objects.get().notes == "补"
    added = kept | {"visitors": f"{staff.pk},{closed.pk},{outsider.pk}", "notes": "再补"}
    response = client.post(url, added)
    assert response.status_code == 200
    assert "外人" in response.context["adminform"].form.errors["visitors"][0]
    assert Visit.objects.get().notes == "补"
    assert set(visit.visitors.all()) == {staff, closed}


def test_the_admin_reverts_to_a_version_whose_visitor_has_left_since(
    client, superuser, yannan_case, staff
):
    """The history page starts from the old version: its visitors were right then."""
    gone = township_staff(username="gone")
    visit = _log(yannan_case, staff, [staff, gone])
    visit_correct(visit=visit, user=staff, **_as_it_says(visit, visitors=[staff]))
    _close(gone)
    version = visit.history.earliest("history_id")
    client.force_login(superuser)
    url = reverse("admin:cases_visit_simple_history", args=[visit.pk, version.pk])
    data = _admin_data(client, url, visitors=f"{staff.pk},{gone.pk}", concerns=[])
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert set(visit.visitors.all()) == {staff, gone}
