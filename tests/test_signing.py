"""Recording a signed agreement (协议) and its completion from the household page, on a phone:
who may, what is refused and said, where the user lands, and what the history keeps."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.forms import CaseSignForm
from cases.models import Case
from cases.services import case_complete, case_sign
from cases.validators import parse_yuan

TODAY = timezone.localdate()


def _sign_url(case, next_url=None):
    url = reverse("case_sign", args=[case.pk])
    return f"{url}?next={next_url}" if next_url else url


def _complete_url(case):
    return reverse("case_complete", args=[case.pk])


def _messages(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def _history(case) -> list:
    return list(case.history.order_by("history_date", "history_id"))


# --- who may -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "township_admin"])
def test_township_staff_and_admins_get_the_form(client, request, yannan_case, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(_sign_url(yannan_case))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="agreement_signed_on"' in html and f'value="{TODAY:%Y-%m-%d}"' in html
    assert 'name="compensation_yuan"' in html and 'inputmode="decimal"' in html
    assert "<script>" not in html and 'style="' not in html


@pytest.mark.parametrize("role", ["cadre_yannan", "leader"])
@pytest.mark.parametrize("url", [_sign_url, _complete_url])
def test_cadres_and_leaders_may_not_sign_or_complete(client, request, yannan_case, role, url):
    client.force_login(request.getfixturevalue(role))
    assert client.get(url(yannan_case)).status_code == 403
    data = {"agreement_signed_on": "2021-06-01", "completed_on": "2021-06-01"}
    assert client.post(url(yannan_case), data).status_code == 403
    yannan_case.refresh_from_db()
    assert yannan_case.status == Case.Status.NOT_CONTACTED
    assert len(_history(yannan_case)) == 1


def test_a_case_of_another_village_is_404_before_any_permission(
    client, cadre_zhennan, staff, yannan_case
):
    client.force_login(cadre_zhennan)  # no change_case, and not their village: 404, not 403
    assert (
        client.post(_sign_url(yannan_case), {"agreement_signed_on": "2021-06-01"}).status_code
        == 404
    )
    assert client.get(_complete_url(yannan_case)).status_code == 404
    client.force_login(staff)
    assert client.get(reverse("case_sign", args=[987654])).status_code == 404


def test_the_forms_ask_for_log_in(client, yannan_case):
    for url in (_sign_url(yannan_case), _complete_url(yannan_case)):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]


# --- the buttons on the household page ---------------------------------------------------------


def _household_page(client, case) -> str:
    return client.get(reverse("household_detail", args=[case.household_id])).content.decode()


def test_the_household_page_offers_signing_then_completion_to_staff(client, staff, yannan_case):
    client.force_login(staff)
    html = _household_page(client, yannan_case)
    assert reverse("case_sign", args=[yannan_case.pk]) in html
    assert reverse("case_complete", args=[yannan_case.pk]) not in html
    case_sign(case=yannan_case, signed_on=date(2021, 6, 1))
    html = _household_page(client, yannan_case)
    assert reverse("case_sign", args=[yannan_case.pk]) not in html
    assert reverse("case_complete", args=[yannan_case.pk]) in html
    case_complete(case=yannan_case, completed_on=date(2021, 8, 1))
    html = _household_page(client, yannan_case)
    assert reverse("case_sign", args=[yannan_case.pk]) not in html
    assert reverse("case_complete", args=[yannan_case.pk]) not in html
    assert "2021-08-01" in html


@pytest.mark.parametrize("role", ["cadre_yannan", "leader"])
def test_the_household_page_offers_no_signing_without_the_permission(
    client, request, yannan_case, role
):
    client.force_login(request.getfixturevalue(role))
    html = _household_page(client, yannan_case)
    assert reverse("case_sign", args=[yannan_case.pk]) not in html
    case_sign(case=yannan_case, signed_on=date(2021, 6, 1))
    assert reverse("case_complete", args=[yannan_case.pk]) not in _household_page(
        client, yannan_case
    )


def test_the_household_page_shows_compensation_with_thousands_separators(
    client, staff, yannan_case
):
    case_sign(case=yannan_case, signed_on=date(2021, 6, 1), compensation_yuan=Decimal("378000"))
    client.force_login(staff)
    assert '<span class="compensation">378,000</span>' in _household_page(client, yannan_case)
    case_sign(case=yannan_case, signed_on=date(2021, 6, 1), compensation_yuan=Decimal("1234.5"))
    assert '<span class="compensation">1,234.50</span>' in _household_page(client, yannan_case)


# --- signing -----------------------------------------------------------------------------------


def test_signing_records_the_agreement_and_goes_back_to_the_household(client, staff, yannan_case):
    client.force_login(staff)
    response = client.post(
        _sign_url(yannan_case),
        {"agreement_signed_on": "2021-06-01", "compensation_yuan": "378,000"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("household_detail", args=[yannan_case.household_id])
    yannan_case.refresh_from_db()
    assert yannan_case.status == Case.Status.SIGNED
    assert yannan_case.agreement_signed_on == date(2021, 6, 1)
    assert yannan_case.compensation_yuan == Decimal("378000.00")
    assert _messages(response) == ["Agreement of 0101 黄惠家 recorded (signed on 2021-06-01)."]


def test_the_confirmation_speaks_chinese_by_default(client, staff, yannan_case):
    client.force_login(staff)
    response = client.post(_sign_url(yannan_case), {"agreement_signed_on": "2021-06-01"})
    (message,) = _messages(response)
    assert "0101 黄惠家" in message and "2021-06-01" in message and "协议" in message


def test_the_history_records_who_signed(client, staff, yannan_case):
    client.force_login(staff)
    client.post(_sign_url(yannan_case), {"agreement_signed_on": "2021-06-01"})
    latest = _history(yannan_case)[-1]
    assert latest.history_user == staff
    assert (latest.status, latest.agreement_signed_on) == ("signed", date(2021, 6, 1))


def test_a_form_sent_twice_signs_once_and_writes_one_history_row(client, staff, yannan_case):
    client.force_login(staff)
    data = {"agreement_signed_on": "2021-06-01", "compensation_yuan": "378000"}
    first = client.post(_sign_url(yannan_case), data)
    rows = len(_history(yannan_case))
    again = client.post(_sign_url(yannan_case), data)
    assert first.status_code == again.status_code == 302
    assert len(_history(yannan_case)) == rows  # nothing changed, no row
    yannan_case.refresh_from_db()
    assert yannan_case.compensation_yuan == Decimal("378000")


def test_signing_again_with_a_corrected_date_is_recorded(client, staff, yannan_case):
    client.force_login(staff)
    client.post(_sign_url(yannan_case), {"agreement_signed_on": "2021-06-01"})
    client.post(_sign_url(yannan_case), {"agreement_signed_on": "2021-06-02"})
    yannan_case.refresh_from_db()
    assert yannan_case.agreement_signed_on == date(2021, 6, 2)
    assert [r.agreement_signed_on for r in _history(yannan_case)][-2:] == [
        date(2021, 6, 1),
        date(2021, 6, 2),
    ]


def test_a_safe_next_is_followed_and_an_unsafe_one_ignored(client, staff, yannan_case):
    client.force_login(staff)
    back = reverse("case_list") + "?status=opposed"
    response = client.post(
        _sign_url(yannan_case, back), {"agreement_signed_on": "2021-06-01", "next": back}
    )
    assert response["Location"] == back
    response = client.post(
        _complete_url(yannan_case),
        {"completed_on": "2021-06-02", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("household_detail", args=[yannan_case.household_id])


def test_the_form_keeps_next_from_the_household_page(client, staff, yannan_case):
    client.force_login(staff)
    back = reverse("household_detail", args=[yannan_case.household_id]) + "?x=1"
    html = client.get(_sign_url(yannan_case, back)).content.decode()
    assert f'name="next" value="{back}"' in html


@pytest.mark.parametrize(
    "data, field, words",
    [
        (
            {"agreement_signed_on": f"{TODAY + timedelta(days=1):%Y-%m-%d}"},
            "agreement_signed_on",
            "future",
        ),
        ({"agreement_signed_on": ""}, "agreement_signed_on", "required"),
        ({"agreement_signed_on": "yesterday"}, "agreement_signed_on", "valid date"),
        ({"compensation_yuan": "-5"}, "compensation_yuan", "cannot be negative"),
        ({"compensation_yuan": "37.8 wan"}, "compensation_yuan", "amount in yuan"),
        ({"compensation_yuan": "378,00"}, "compensation_yuan", "amount in yuan"),
        ({"compensation_yuan": "1.234"}, "compensation_yuan", "2 decimal places"),
        ({"compensation_yuan": "1" * 13}, "compensation_yuan", "12 digits before"),
    ],
)
def test_bad_input_is_told_beside_its_field_and_nothing_is_written(
    client, staff, yannan_case, data, field, words
):
    client.force_login(staff)
    sent = {"agreement_signed_on": "2021-06-01", "compensation_yuan": "378000"} | data
    response = client.post(_sign_url(yannan_case), sent, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors[field])
    html = response.content.decode()
    assert "nothing you typed is lost" in html
    for value in filter(None, sent.values()):
        assert f'value="{value}"' in html  # what was typed, as typed
    yannan_case.refresh_from_db()
    assert yannan_case.status == Case.Status.NOT_CONTACTED
    assert len(_history(yannan_case)) == 1


@pytest.mark.parametrize("amount", ["abc", "-5"])
def test_a_date_in_the_future_is_told_with_a_bad_amount_not_after_it(
    client, staff, yannan_case, amount
):
    """A mistyped amount hid the date's error: corrected, the form came back a second time
    to say the date was in the future."""
    client.force_login(staff)
    sent = {
        "agreement_signed_on": f"{TODAY + timedelta(days=1):%Y-%m-%d}",
        "compensation_yuan": amount,
    }
    errors = (
        client.post(_sign_url(yannan_case), sent, HTTP_ACCEPT_LANGUAGE="en").context["form"].errors
    )
    assert "future" in " ".join(errors["agreement_signed_on"])
    assert errors["compensation_yuan"]
    yannan_case.refresh_from_db()
    assert yannan_case.status == Case.Status.NOT_CONTACTED


def test_errors_speak_chinese_by_default(client, staff, yannan_case):
    client.force_login(staff)
    response = client.post(_sign_url(yannan_case), {"agreement_signed_on": "2999-01-01"})
    assert "不能" in " ".join(response.context["form"].errors["agreement_signed_on"])


def test_a_completed_case_is_not_signed_again(client, staff, yannan_case):
    case_sign(case=yannan_case, signed_on=date(2021, 6, 1))
    case_complete(case=yannan_case, completed_on=date(2021, 8, 1))
    rows = len(_history(yannan_case))
    client.force_login(staff)
    response = client.post(
        _sign_url(yannan_case), {"agreement_signed_on": "2021-09-01"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "completed case cannot be signed" in " ".join(
        response.context["form"].non_field_errors()
    )
    assert 'value="2021-09-01"' in response.content.decode()
    yannan_case.refresh_from_db()
    assert (yannan_case.status, yannan_case.agreement_signed_on) == ("completed", date(2021, 6, 1))
    assert len(_history(yannan_case)) == rows


# --- completion --------------------------------------------------------------------------------


def test_completion_is_recorded_with_its_message(client, staff, yannan_case):
    case_sign(case=yannan_case, signed_on=date(2021, 6, 1))
    client.force_login(staff)
    html = client.get(_complete_url(yannan_case)).content.decode()
    assert f'value="{TODAY:%Y-%m-%d}"' in html
    response = client.post(
        _complete_url(yannan_case), {"completed_on": "2021-08-01"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302
    assert _messages(response) == ["Completion of 0101 黄惠家 recorded (completed on 2021-08-01)."]
    yannan_case.refresh_from_db()
    assert (yannan_case.status, yannan_case.completed_on) == ("completed", date(2021, 8, 1))
    assert _history(yannan_case)[-1].history_user == staff


def test_completion_sent_twice_is_harmless(client, staff, yannan_case):
    case_sign(case=yannan_case, signed_on=date(2021, 6, 1))
    client.force_login(staff)
    client.post(_complete_url(yannan_case), {"completed_on": "2021-08-01"})
    rows = len(_history(yannan_case))
    again = client.post(_complete_url(yannan_case), {"completed_on": "2021-08-01"})
    assert again.status_code == 302
    assert len(_history(yannan_case)) == rows


@pytest.mark.parametrize(
    "signed, completed_on, where, words",
    [
        (True, "2021-05-01", "completed_on", "before the agreement"),
        (True, "", "completed_on", "required"),
        (True, "2021-13-01", "completed_on", "valid date"),
        (False, "2021-08-01", "__all__", "Only a signed case"),
    ],
)
def test_a_refused_completion_is_told_and_nothing_is_written(
    client, staff, yannan_case, signed, completed_on, where, words
):
    if signed:
        case_sign(case=yannan_case, signed_on=date(2021, 6, 1))
    rows = len(_history(yannan_case))
    status = Case.objects.get(pk=yannan_case.pk).status
    client.force_login(staff)
    response = client.post(
        _complete_url(yannan_case), {"completed_on": completed_on}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors[where])
    assert f'value="{completed_on}"' in response.content.decode() or not completed_on
    yannan_case.refresh_from_db()
    assert (yannan_case.status, yannan_case.completed_on) == (status, None)
    assert len(_history(yannan_case)) == rows


def test_a_completion_in_the_future_is_refused(client, staff, yannan_case):
    case_sign(case=yannan_case, signed_on=date(2021, 6, 1))
    client.force_login(staff)
    tomorrow = f"{TODAY + timedelta(days=1):%Y-%m-%d}"
    response = client.post(
        _complete_url(yannan_case), {"completed_on": tomorrow}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "future" in " ".join(response.context["form"].errors["completed_on"])
    yannan_case.refresh_from_db()
    assert yannan_case.status == Case.Status.SIGNED


# --- amounts as typed --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, amount",
    [
        ("378000", "378000"),
        ("378,000", "378000"),
        ("378,000.50", "378000.50"),
        (" 378000.5 ", "378000.5"),
        ("３７８，０００", "378000"),
        ("¥378,000", "378000"),
        ("￥378000元", "378000"),
        ("37.8万", "378000"),
        ("37.8 万元", "378000"),
        ("0", "0"),
    ],
)
def test_amounts_are_read_as_people_write_them(typed, amount):
    assert parse_yuan(typed) == Decimal(amount)


@pytest.mark.parametrize("typed", ["abc", "378,00", "3,78,000", "37.8千", "1e5", "万", ""])
def test_what_is_not_an_amount_is_refused(typed):
    with pytest.raises(ValueError):
        parse_yuan(typed)


def test_an_amount_in_wan_keeps_at_most_two_decimals(yannan_case):
    form = CaseSignForm(
        {"agreement_signed_on": "2021-06-01", "compensation_yuan": "37.812345万"},
        case=yannan_case,
    )
    assert form.is_valid() and form.cleaned_data["compensation_yuan"] == Decimal("378123.45")
    form = CaseSignForm(
        {"agreement_signed_on": "2021-06-01", "compensation_yuan": "37.8123456万"},
        case=yannan_case,
    )
    assert not form.is_valid() and "compensation_yuan" in form.errors
