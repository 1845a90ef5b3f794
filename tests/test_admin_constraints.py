"""A row the database's check constraints refuse is told in the admin in words, beside the
field it is about, in the page's language (``admin.ConstraintErrorsForm``), and nothing typed
is lost: the administrator corrects the one field and saves."""

import re

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse

from cases.models import Household, Member, Project

from .factories import HouseholdFactory, MemberFactory
from .support import admin_post_data


def field_errors(page: str, field: str) -> str:
    """The text of the error list in the field's row of the change form."""
    row = re.search(rf'<div class="form-row[^"]*field-{field}\b.*?</div>\s*</div>', page, re.S)
    assert row, f"no row for {field}"
    errors = re.search(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', row.group(0), re.S)
    return re.sub(r"<[^>]+>", "", errors.group(1)) if errors else ""


def post_changed(client, url, language, **changes):
    data = admin_post_data(client.get(url, HTTP_ACCEPT_LANGUAGE=language))
    data.update(changes)
    data["_continue"] = "1"
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE=language)


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "The end date cannot be before the start date."),
        ("zh-CN", "结束日期不能早于开始日期。"),
    ],
)
def test_a_project_ending_before_it_starts_is_refused_beside_its_end_date(
    client, superuser, yannan_project, language, message
):
    client.force_login(superuser)
    url = reverse("admin:cases_project_change", args=[yannan_project.pk])

    response = post_changed(
        client, url, language, name="改过的名字", started_on="2025-03-01", ended_on="2025-02-01"
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert message in field_errors(page, "ended_on")
    assert "project_ends_after_start" not in page
    assert 'value="改过的名字"' in page  # what was typed is kept
    yannan_project.refresh_from_db()
    assert yannan_project.ended_on is None and yannan_project.name != "改过的名字"


def test_a_negative_contracted_area_is_refused_beside_it(client, superuser, yannan_household):
    client.force_login(superuser)
    url = reverse("admin:cases_household_change", args=[yannan_household.pk])

    response = post_changed(client, url, "zh-CN", contracted_mu="-1", address="新地址 8 号")

    page = response.content.decode()
    assert field_errors(page, "contracted_mu") == "承包面积不能为负数。"
    assert "household_contracted_mu_gte_0" not in page and "约束" not in page
    assert 'value="新地址 8 号"' in page
    assert Household.objects.get(pk=yannan_household.pk).contracted_mu >= 0


def test_shares_for_someone_not_a_shareholder_say_what_to_do(client, superuser, yannan_coop):
    member = MemberFactory(household=HouseholdFactory(cooperative=yannan_coop))
    client.force_login(superuser)
    url = reverse("admin:cases_member_change", args=[member.pk])
    data = admin_post_data(client.get(url))
    del data["is_shareholder"]  # unticked, the shares left at 1
    data["_continue"] = "1"

    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")

    assert field_errors(response.content.decode(), "shares") == (
        "Only a shareholder holds shares: tick “shareholder”, or set the shares to 0."
    )
    assert Member.objects.get(pk=member.pk).is_shareholder


def test_a_project_that_breaks_no_rule_is_saved(client, superuser, yannan_project):
    client.force_login(superuser)
    url = reverse("admin:cases_project_change", args=[yannan_project.pk])

    response = post_changed(client, url, "en", started_on="2025-03-01", ended_on="2025-03-01")

    assert response.status_code == 302
    assert str(Project.objects.get(pk=yannan_project.pk).ended_on) == "2025-03-01"


def test_every_check_constraint_says_why_and_names_its_field():
    """Whatever path meets a constraint (an admin form not yet checked by a service, a form
    of the future), the refusal reads in words beside a field, never as "Constraint
    “case_signed_has_agreement_date” is violated." (``ConstraintErrorsForm``)."""
    silent = []
    for model in apps.get_app_config("cases").get_models():
        names = {field.name for field in model._meta.get_fields()}
        for constraint in model._meta.constraints:
            if not isinstance(constraint, models.CheckConstraint):
                continue
            message = constraint.violation_error_message
            if message == constraint.default_violation_error_message or (
                constraint.violation_error_code not in names
            ):
                silent.append(f"{model.__name__}.{constraint.name}")
    assert silent == []
