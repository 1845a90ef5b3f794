import pytest
from django.http import Http404
from django.template import Context, Template

from cases.access import get_for_user
from cases.models import Household

from .factories import HouseholdFactory


def render(user, value):
    return Template("{% load landreform %}{{ v|id_number:user }} {{ p|phone:user }}").render(
        Context({"user": user, "v": value, "p": "13812345678"})
    )


def test_numbers_are_masked_without_the_permission(cadre_yannan, staff):
    for user in (cadre_yannan, staff):
        assert render(user, "44060519800517001X") == "440605********001X 138****5678"


def test_numbers_are_whole_with_the_permission(superuser):
    assert render(superuser, "44060519800517001X") == "44060519800517001X 13812345678"


def test_out_of_scope_objects_are_404(cadre_yannan, yannan_coop, zhennan_coop):
    mine = HouseholdFactory(cooperative=yannan_coop)
    theirs = HouseholdFactory(cooperative=zhennan_coop)
    assert get_for_user(Household, cadre_yannan, pk=mine.pk) == mine
    with pytest.raises(Http404):
        get_for_user(Household, cadre_yannan, pk=theirs.pk)
    with pytest.raises(Http404):
        get_for_user(Household.objects.all(), cadre_yannan, pk=10**9)
