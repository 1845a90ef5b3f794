"""Words in the page's language beyond the catalog: lists."""

from django.urls import reverse
from django.utils import timezone, translation

from cases.services import visit_record
from cases.wording import join_list

from .factories import ProjectFactory, UserFactory


def test_a_list_reads_with_commas_in_english_and_the_enumeration_comma_in_chinese():
    with translation.override("en"):
        assert join_list(["罗健嘉", "黄振", "staff"]) == "罗健嘉, 黄振, staff"
    with translation.override("zh-hans"):
        assert join_list(["罗健嘉", "黄振", "staff"]) == "罗健嘉、黄振、staff"


def test_the_visitors_of_a_visit_are_listed_with_commas_on_english_pages(
    english_client, staff, yannan_case
):
    """The visit list and the household page joined the visitors with 、 in English too."""
    others = [UserFactory(last_name="罗", first_name="健嘉"), UserFactory(last_name="黄")]
    visit_record(
        case=yannan_case,
        recorded_by=staff,
        visited_on=timezone.localdate(),
        visitors=[staff, *others],
    )
    english_client.force_login(staff)
    for url in (
        reverse("visit_list"),
        reverse("household_detail", args=[yannan_case.household_id]),
    ):
        page = english_client.get(url).content.decode()
        assert "罗健嘉, 黄" in page, url
        assert "、" not in page, url


def test_the_villages_of_a_project_are_listed_with_commas_on_the_english_project_list(
    english_client, staff, yannan, zhennan
):
    ProjectFactory(name="跨村土地整理", villages=[yannan, zhennan])
    english_client.force_login(staff)
    page = english_client.get(reverse("project_list")).content.decode()
    assert "烟南村, 镇南村" in page or "镇南村, 烟南村" in page
    assert "、" not in page
