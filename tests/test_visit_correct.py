"""Correcting a visit logged wrong (the wrong stance, date, concerns, notes or visitors) where it
was logged, on a phone: the service and what it keeps in step on the case, the form, who may,
where the user lands, and what the history keeps."""

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases import audit
from cases.models import Case, Stance, Visit
from cases.services import case_sign, visit_correct, visit_record

from .factories import PartyBranchFactory, StaffProfileFactory, UserFactory

TODAY = timezone.localdate()


def _log(case, user, on, stance=Stance.UNDECIDED, **fields):
    fields.setdefault("next_follow_up_on", on + timedelta(days=7))
    visit, _created = visit_record(
        case=case, recorded_by=user, visited_on=on, stance=stance, **fields
    )
    return visit


def _as_it_says(visit, **changes) -> dict:
    """What the visit says now, as the service takes it, with ``changes``."""
    return {
        "visited_on": visit.visited_on,
        "visitors": list(visit.visitors.all()),
        "place": visit.place,
        "stance": visit.stance,
        "concerns": list(visit.concerns),
        "notes": visit.notes,
        "next_follow_up_on": visit.next_follow_up_on,
    } | changes


def _figures(case) -> tuple:
    case = Case.objects.get(pk=case.pk)
    return case.stance, case.status, case.last_visit_on, case.next_follow_up_on, case.visit_count


def _rows(obj) -> int:
    return obj.history.count()


@pytest.fixture
def cadre_visitor(cadre_yannan):
    cadre_yannan.last_name, cadre_yannan.first_name = "关", "淑仪"
    cadre_yannan.save()
    return cadre_yannan


@pytest.fixture
def visit(yannan_case, staff):
    return _log(
        yannan_case,
        staff,
        date(2021, 5, 6),
        notes="谈补偿",
        concerns=["compensation"],
        branch=PartyBranchFactory(name="烟南村党委"),
    )


# --- the service ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [
        ("visited_on", date(2021, 5, 4)),
        ("place", Visit.Place.WORKPLACE),
        ("stance", Stance.OPPOSED),
        ("concerns", ["resettlement", "graves"]),
        ("notes", "谈补偿和安置"),
        ("next_follow_up_on", date(2021, 6, 1)),
        ("next_follow_up_on", None),
    ],
)
def test_each_field_is_corrected_and_what_the_visit_keeps_is_kept(
    visit, staff, township_admin, field, value
):
    kept = Visit.objects.values(
        "case", "project", "village", "branch", "recorded_by", "recorded_at", "client_id"
    ).get(pk=visit.pk)
    visit_correct(visit=visit, user=township_admin, **_as_it_says(visit, **{field: value}))
    stored = Visit.objects.get(pk=visit.pk)
    assert getattr(stored, field) == value
    assert Visit.objects.values(*kept).get(pk=visit.pk) == kept
    assert list(stored.visitors.all()) == [staff]


def test_the_visitors_are_corrected(visit, staff, cadre_visitor):
    visit_correct(visit=visit, user=staff, **_as_it_says(visit, visitors=[cadre_visitor, staff]))
    assert set(visit.visitors.all()) == {staff, cadre_visitor}
    visit_correct(visit=visit, user=staff, **_as_it_says(visit, visitors=[cadre_visitor]))
    assert list(visit.visitors.all()) == [cadre_visitor]


def test_the_latest_visits_stance_sets_the_cases_stance_and_status(visit, staff, yannan_case):
    assert _figures(yannan_case)[:2] == (Stance.UNDECIDED, Case.Status.UNDECIDED)
    visit_correct(visit=visit, user=staff, **_as_it_says(visit, stance=Stance.OPPOSED))
    assert _figures(yannan_case)[:2] == (Stance.OPPOSED, Case.Status.OPPOSED)


def test_the_latest_visits_date_and_follow_up_set_the_cases(visit, staff, yannan_case):
    changes = {"visited_on": date(2021, 5, 8), "next_follow_up_on": date(2021, 5, 20)}
    visit_correct(visit=visit, user=staff, **_as_it_says(visit, **changes))
    assert _figures(yannan_case)[2:] == (date(2021, 5, 8), date(2021, 5, 20), 1)


def test_a_correction_that_makes_another_visit_the_latest_moves_the_case_to_it(
    visit, staff, yannan_case
):
    later = _log(yannan_case, staff, date(2021, 6, 1), stance=Stance.SUPPORTIVE)
    assert _figures(yannan_case) == (
        Stance.SUPPORTIVE,
        Case.Status.SUPPORTIVE,
        date(2021, 6, 1),
        date(2021, 6, 8),
        2,
    )
    # The later one was logged with the wrong date: it was the first visit.
    visit_correct(visit=later, user=staff, **_as_it_says(later, visited_on=date(2021, 5, 1)))
    assert _figures(yannan_case) == (
        Stance.UNDECIDED,
        Case.Status.UNDECIDED,
        date(2021, 5, 6),
        date(2021, 5, 13),
        2,
    )
    # And back: the earlier one, dated after it, is the latest again.
    visit_correct(visit=visit, user=staff, **_as_it_says(visit, visited_on=date(2021, 4, 1)))
    assert _figures(yannan_case)[:3] == (
        Stance.SUPPORTIVE,
        Case.Status.SUPPORTIVE,
        date(2021, 5, 1),
    )


def test_a_signed_case_keeps_its_status_and_takes_the_stance(visit, staff, yannan_case):
    case_sign(case=yannan_case, signed_on=date(2021, 6, 1))
    visit_correct(visit=visit, user=staff, **_as_it_says(visit, stance=Stance.OPPOSED))
    assert _figures(yannan_case)[:2] == (Stance.OPPOSED, Case.Status.SIGNED)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"visited_on": TODAY + timedelta(days=1), "next_follow_up_on": None}, "visited_on"),
        ({"next_follow_up_on": date(2021, 5, 5)}, "next_follow_up_on"),
        ({"stance": "furious"}, "stance"),
        ({"place": "moon"}, "place"),
        ({"concerns": ["money", "compensation"]}, "concerns"),
        ({"visitors": []}, "visitors"),
    ],
)
def test_refused_input_leaves_the_visit_and_the_case_as_they_were(
    visit, staff, cadre_visitor, yannan_case, changes, field
):
    before = Visit.objects.values().get(pk=visit.pk)
    figures, visit_rows, case_rows = _figures(yannan_case), _rows(visit), _rows(yannan_case)
    changes = {"stance": Stance.OPPOSED, "notes": "改了", "visitors": [cadre_visitor]} | changes
    with pytest.raises(ValidationError) as refused:
        visit_correct(visit=visit, user=staff, **_as_it_says(visit, **changes))
    assert field in refused.value.message_dict
    assert Visit.objects.values().get(pk=visit.pk) == before
    assert list(visit.visitors.all()) == [staff]
    assert (_figures(yannan_case), _rows(visit), _rows(yannan_case)) == (
        figures,
        visit_rows,
        case_rows,
    )


def test_saving_what_is_stored_writes_nothing(visit, staff, yannan_case):
    rows = _rows(visit), _rows(yannan_case)
    returned = visit_correct(visit=visit, user=staff, **_as_it_says(visit))
    assert returned.pk == visit.pk
    # The same concerns in another order, the same visitors: nothing either.
    visit.concerns = ["compensation"]
    same = _as_it_says(visit, concerns=["compensation", "compensation"])
    visit_correct(visit=visit, user=staff, **same)
    assert (_rows(visit), _rows(yannan_case)) == rows


def test_a_correction_sent_twice_writes_one_history_row(visit, staff, yannan_case):
    corrected = _as_it_says(visit, stance=Stance.OPPOSED)
    visit_correct(visit=visit, user=staff, **corrected)
    rows = _rows(visit), _rows(yannan_case)
    visit_correct(visit=visit, user=staff, **corrected)
    assert (_rows(visit), _rows(yannan_case)) == rows


def test_notes_corrected_write_no_row_to_the_cases_history(visit, staff, yannan_case):
    """The case's figures did not change: it is not saved (no history row without a change)."""
    rows = _rows(yannan_case)
    visit_correct(visit=visit, user=staff, **_as_it_says(visit, notes="谈补偿，约下周再访"))
    assert _rows(visit) == 2 and _rows(yannan_case) == rows


def test_the_history_records_who_corrected_the_visit_and_the_case(
    visit, staff, township_admin, yannan_case
):
    """Called without a request (no middleware to name the user): the service names them."""
    visit_correct(visit=visit, user=township_admin, **_as_it_says(visit, stance=Stance.OPPOSED))
    visit_row = visit.history.latest("history_date")
    case_row = yannan_case.history.latest("history_date")
    assert (visit_row.history_type, visit_row.history_user, visit_row.stance) == (
        "~",
        township_admin,
        Stance.OPPOSED,
    )
    assert (case_row.history_user, case_row.stance) == (township_admin, Stance.OPPOSED)


def test_a_change_of_visitors_alone_is_in_the_history_with_their_names(
    visit, staff, cadre_visitor, yannan_case
):
    """One history row, no column of the visit saved: its snapshot holds the new visitors
    (tests/test_visit_history.py has the rest)."""
    staff.last_name, staff.first_name = "陈", "晓华"
    staff.save()
    visit_correct(visit=visit, user=staff, **_as_it_says(visit, visitors=[cadre_visitor]))
    row = visit.history.latest("history_date")
    assert (row.history_user, row.history_change_reason) == (staff, None)
    assert list(row.visitors.values_list("user", flat=True)) == [cadre_visitor.pk]
    shown = audit.household_history(yannan_case.household, staff)[0]
    assert (shown.who, shown.what, shown.reason) == (staff, "visit", "")
    assert [(c.field, c.old, c.new) for c in shown.changes] == [("visitors", "陈晓华", "关淑仪")]


# --- the form --------------------------------------------------------------------------------


def _url(visit, next_url=None):
    url = reverse("visit_correct", args=[visit.pk])
    return f"{url}?next={next_url}" if next_url else url


def _post(visit, **changes) -> dict:
    """The form as the phone sends it, filled in with what the visit says, and ``changes``."""
    data = {
        "visited_on": f"{visit.visited_on:%Y-%m-%d}",
        "place": visit.place,
        "stance": visit.stance,
        "concerns": list(visit.concerns),
        "notes": visit.notes,
        "next_follow_up_on": f"{visit.next_follow_up_on:%Y-%m-%d}"
        if visit.next_follow_up_on
        else "",
        "visitors": [str(u.pk) for u in visit.visitors.all()],
    }
    return data | changes


def _messages(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def _household(case) -> str:
    return reverse("household_detail", args=[case.household_id])


def test_the_form_is_filled_in_with_the_visit(client, staff, cadre_visitor, visit):
    client.force_login(staff)
    response = client.get(_url(visit), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    form = response.context["form"]
    html = response.content.decode()
    assert 'name="visited_on" value="2021-05-06"' in html
    assert 'name="next_follow_up_on" value="2021-05-13"' in html
    assert re.search(r'<input type="radio" name="stance" value="undecided"[^>]* checked', html)
    assert form["concerns"].value() == ["compensation"] and "谈补偿</textarea>" in html
    assert 'value="home" selected' in html
    # Visitors by name, ticked: the visit's; the village's cadre offered.
    assert form["visitors"].value() == [staff.pk]
    assert "关淑仪" in html and 'name="client_id"' not in html
    assert "data-draft-key" not in html  # no draft kept: it is not a new visit
    assert "<h1>Correct this visit</h1>" in html and "Save the correction" in html


def test_a_correction_is_saved_and_the_household_page_shows_it(
    client, staff, cadre_visitor, visit, yannan_case
):
    client.force_login(staff)
    data = _post(
        visit,
        stance=Stance.OPPOSED,
        concerns=["compensation", "tenants"],
        notes="担心租户",
        visitors=[str(staff.pk), str(cadre_visitor.pk)],
    )
    response = client.post(_url(visit), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == _household(yannan_case)
    assert _messages(response) == ["Visit to 0101 黄惠家 of 2021-05-06 corrected."]
    visit.refresh_from_db()
    assert (visit.stance, visit.concerns, visit.notes) == (
        "opposed",
        ["compensation", "tenants"],
        "担心租户",
    )
    assert set(visit.visitors.all()) == {staff, cadre_visitor}
    assert visit.history.latest("history_date").history_user == staff
    page = client.get(_household(yannan_case), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    timeline = page.split('<ol class="timeline visits">')[1].split("</ol>")[0]
    assert f'badge stance-opposed">{Stance.OPPOSED.label}<' in timeline and "担心租户" in timeline
    assert "关淑仪" in timeline
    assert f"stance: {Stance.OPPOSED.label}" in page  # the case card follows


def test_the_confirmation_speaks_chinese_by_default(client, staff, visit):
    client.force_login(staff)
    response = client.post(_url(visit), _post(visit, stance=Stance.OPPOSED))
    (message,) = _messages(response)
    assert "0101 黄惠家" in message and "2021-05-06" in message and "更正" in message


@pytest.mark.parametrize(
    "changes, field, words",
    [
        (
            {"visited_on": f"{TODAY + timedelta(days=1):%Y-%m-%d}", "next_follow_up_on": ""},
            "visited_on",
            "cannot be in the future",
        ),
        ({"next_follow_up_on": "2021-05-01"}, "next_follow_up_on", "before the visit"),
        ({"visitors": []}, "visitors", "at least one visitor"),
        ({"visited_on": "6 May"}, "visited_on", "valid date"),
    ],
)
def test_bad_input_is_told_beside_its_field_and_what_was_typed_is_kept(
    client, staff, visit, yannan_case, changes, field, words
):
    client.force_login(staff)
    before = Visit.objects.values().get(pk=visit.pk)
    figures, rows = _figures(yannan_case), _rows(visit)
    sent = _post(visit, stance=Stance.OPPOSED, notes="改过的记录") | changes
    response = client.post(_url(visit), sent, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors[field])
    html = response.content.decode()
    assert "nothing you typed is lost" in html
    assert "改过的记录</textarea>" in html
    assert response.context["form"]["stance"].value() == Stance.OPPOSED
    for name in ("visited_on", "next_follow_up_on"):
        if sent[name]:
            assert f'name="{name}" value="{sent[name]}"' in html
    assert Visit.objects.values().get(pk=visit.pk) == before
    assert (_figures(yannan_case), _rows(visit)) == (figures, rows)


def test_a_bad_date_and_no_visitor_are_told_at_once(client, staff, visit):
    """Both beside their fields after one try, not the visitors' after the date is mended."""
    client.force_login(staff)
    sent = _post(visit, visited_on="6 May", visitors=[])
    errors = client.post(_url(visit), sent, HTTP_ACCEPT_LANGUAGE="en").context["form"].errors
    assert "valid date" in " ".join(errors["visited_on"])
    assert "at least one visitor" in " ".join(errors["visitors"])


def test_a_form_sent_twice_changes_nothing_the_second_time(client, staff, visit, yannan_case):
    client.force_login(staff)
    data = _post(visit, stance=Stance.OPPOSED)
    first = client.post(_url(visit), data)
    rows = _rows(visit), _rows(yannan_case)
    again = client.post(_url(visit), data)
    assert first.status_code == again.status_code == 302
    assert (_rows(visit), _rows(yannan_case)) == rows


def test_a_visitor_whose_account_was_closed_stays_offered_and_kept(
    client, staff, cadre_visitor, visit
):
    visit.visitors.set([cadre_visitor])
    cadre_visitor.is_active = False
    cadre_visitor.save()
    client.force_login(staff)
    form = client.get(_url(visit)).context["form"]
    assert cadre_visitor in form.fields["visitors"].queryset
    client.post(_url(visit), _post(visit, notes="补记"))
    visit.refresh_from_db()
    assert (visit.notes, list(visit.visitors.all())) == ("补记", [cadre_visitor])


def test_people_of_another_village_are_not_offered_as_visitors(client, staff, cadre_zhennan, visit):
    client.force_login(staff)
    form = client.get(_url(visit)).context["form"]
    assert cadre_zhennan not in form.fields["visitors"].queryset
    response = client.post(_url(visit), _post(visit, visitors=[str(cadre_zhennan.pk)]))
    assert response.status_code == 200 and response.context["form"].errors["visitors"]
    assert list(visit.visitors.all()) == [staff]


def test_a_safe_next_is_followed_and_an_unsafe_one_ignored(client, staff, visit, yannan_case):
    client.force_login(staff)
    back = reverse("visit_list") + "?stance=opposed"
    assert f'name="next" value="{back}"' in client.get(_url(visit, back)).content.decode()
    response = client.post(_url(visit), _post(visit, notes="一", next=back))
    assert response["Location"] == back
    response = client.post(_url(visit), _post(visit, notes="二", next="https://evil.example/"))
    assert response["Location"] == _household(yannan_case)
    response = client.post(_url(visit, "//evil.example/"), _post(visit, notes="三"))
    assert response["Location"] == _household(yannan_case)


# --- who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "cadre_yannan", "township_admin"])
def test_staff_the_villages_cadres_and_administrators_may_correct(client, request, visit, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    assert client.get(_url(visit)).status_code == 200
    assert client.post(_url(visit), _post(visit, notes=f"由{role}更正")).status_code == 302
    visit.refresh_from_db()
    assert visit.notes == f"由{role}更正"


def test_a_leader_reads_only(client, leader, visit, yannan_case):
    client.force_login(leader)
    assert client.get(_url(visit)).status_code == 403
    assert client.post(_url(visit), _post(visit, stance=Stance.OPPOSED)).status_code == 403
    visit.refresh_from_db()
    assert visit.stance == Stance.UNDECIDED and _rows(visit) == 1


def test_a_visit_of_another_village_is_404_before_any_permission(
    client, cadre_zhennan, staff, visit
):
    client.force_login(cadre_zhennan)
    assert client.get(_url(visit)).status_code == 404
    assert client.post(_url(visit), _post(visit, stance=Stance.OPPOSED)).status_code == 404
    visit.refresh_from_db()
    assert visit.stance == Stance.UNDECIDED
    client.force_login(staff)
    assert client.get(reverse("visit_correct", args=[987654])).status_code == 404


def test_the_form_asks_for_log_in(client, visit):
    response = client.get(_url(visit))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize(
    "role, shown",
    [
        ("staff", True),
        ("cadre_yannan", True),
        ("township_admin", True),
        ("leader", False),
    ],
)
def test_the_household_page_offers_the_correction_to_those_who_may(
    client, request, visit, yannan_case, role, shown
):
    user = request.getfixturevalue(role)
    if role == "cadre_yannan":
        user.is_staff = False  # the app's page needs no admin
        user.save()
    client.force_login(user)
    page = client.get(_household(yannan_case)).content.decode()
    link = f'href="{_url(visit)}?next={_household(yannan_case)}"'
    assert (link in page) is shown
    assert reverse("admin:cases_visit_change", args=[visit.pk]) not in page


def test_a_profile_without_the_staff_flag_still_gets_the_form(client, cadre_yannan, visit):
    """The link was the admin's, shown only to ``is_staff`` users; the page needs only the
    permission."""
    cadre_yannan.is_staff = False
    cadre_yannan.save()
    client.force_login(cadre_yannan)
    assert client.get(_url(visit)).status_code == 200


def test_a_new_staff_profile_is_offered_as_a_visitor(client, staff, yannan, visit):
    newcomer = UserFactory(username="newcomer", last_name="新", first_name="同事")
    StaffProfileFactory(user=newcomer, villages=[yannan])
    client.force_login(staff)
    assert "新同事" in client.get(_url(visit)).content.decode()


def test_a_services_errors_go_beside_their_fields_and_none_is_lost():
    """``add_errors_beside_fields``, shared by the app's forms and the admin's: an error for a
    field the form lacks goes above the form (it was dropped); a field with an error of its own
    keeps that one alone."""
    from django import forms
    from django.core.exceptions import ValidationError

    from cases.forms.casework import add_errors_beside_fields

    class Form(forms.Form):
        visited_on = forms.DateField()
        notes = forms.CharField(required=False)

    form = Form({"visited_on": "not a date", "notes": ""})
    assert not form.is_valid()
    own = list(form.errors["visited_on"])
    add_errors_beside_fields(
        form,
        ValidationError({"visited_on": "in the future", "notes": "too long", "case": "not yours"}),
    )
    assert form.errors["visited_on"] == own
    assert form.errors["notes"] == ["too long"]
    assert form.non_field_errors() == ["not yours"]
