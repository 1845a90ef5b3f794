"""Words in the page's language beyond the catalog: lists, and the legal basis of stages."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeData

from cases.models import Stage, Visit
from cases.services import visit_record
from cases.wording import join_list, join_sentences, legal_basis, tidy_sentences

from .factories import ProjectFactory, township_staff


def test_a_list_reads_with_commas_in_english_and_the_enumeration_comma_in_chinese():
    with translation.override("en"):
        assert join_list(["罗健嘉", "黄振", "staff"]) == "罗健嘉, 黄振, staff"
    with translation.override("zh-hans"):
        assert join_list(["罗健嘉", "黄振", "staff"]) == "罗健嘉、黄振、staff"


def test_sentences_are_joined_with_a_space_in_english_and_none_after_a_chinese_stop():
    assert join_sentences(["未纳入。", "镇南户主不在项目内：", "请先添加。"]) == (
        "未纳入。镇南户主不在项目内：请先添加。"
    )
    assert join_sentences(["Nothing was enrolled.", "Add them first."]) == (
        "Nothing was enrolled. Add them first."
    )
    safe = tidy_sentences(format_html("已保存 <a href='{}'>{}</a>。 可以再次编辑。", "/x/", "<甲>"))
    assert isinstance(safe, SafeData)
    assert safe == "已保存 <a href='/x/'>&lt;甲&gt;</a>。可以再次编辑。"
    assert not isinstance(tidy_sentences("<b>。 x"), SafeData)


def test_the_visitors_of_a_visit_are_listed_with_commas_on_english_pages(
    english_client, staff, yannan_case
):
    """The visit list and the household page joined the visitors with 、 in English too."""
    others = [township_staff(last_name="罗", first_name="健嘉"), township_staff(last_name="黄")]
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


def test_a_visits_visitors_read_in_one_order_whatever_order_they_were_stored_in(
    english_client, staff, yannan_case
):
    """Listed in the order PostgreSQL found them, a visit's visitors could change places
    from one page to the next: they read by account, on the pages and in the export."""
    first, second, third = (township_staff(last_name=name) for name in ("甲", "乙", "丙"))
    visit, _created = visit_record(
        case=yannan_case, recorded_by=staff, visited_on=timezone.localdate(), visitors=[staff]
    )
    first.save()  # on PostgreSQL its row moves after the others': a scan now finds it last
    Through = Visit.visitors.through
    Through.objects.filter(visit=visit).delete()
    Through.objects.bulk_create(Through(visit=visit, user=u) for u in (third, first, second))
    english_client.force_login(staff)
    for url in (
        reverse("visit_list"),
        reverse("household_detail", args=[yannan_case.household_id]),
        reverse("export", args=["visits", "csv"]),
    ):
        page = english_client.get(url)
        text = b"".join(page.streaming_content) if page.streaming else page.content
        assert "甲, 乙, 丙" in text.decode("utf-8-sig"), url


def test_the_villages_of_a_project_are_listed_with_commas_on_the_english_project_list(
    english_client, staff, yannan, zhennan
):
    ProjectFactory(name="跨村土地整理", villages=[yannan, zhennan])
    english_client.force_login(staff)
    page = english_client.get(reverse("project_list")).content.decode()
    assert "烟南村, 镇南村" in page or "镇南村, 烟南村" in page
    assert "、" not in page


@pytest.mark.parametrize(
    "recorded, english",
    [
        ("土地管理法第45条", "Land Administration Law art. 45"),
        (
            "土地管理法第47条；实施条例第28条",
            "Land Administration Law art. 47; Implementing Regulations art. 28",
        ),
        (
            "实施条例第29条；广东省土地管理条例",
            "Implementing Regulations art. 29; Guangdong Land Administration Regulations",
        ),
        (
            "英明社区“六步工作法”；农村集体经济组织法第26–27条",
            "Yingming community's six-step procedure; "
            "Rural Collective Economic Organizations Law arts. 26–27",
        ),
        ("《农村土地承包法》第19、28、52条", "Rural Land Contracting Law arts. 19, 28, 52"),
    ],
)
def test_the_legal_basis_of_a_stage_names_its_laws_in_english_on_english_pages(recorded, english):
    assert legal_basis(recorded, "en") == english
    assert legal_basis(recorded, "zh-hans") == recorded


def test_a_legal_basis_naming_an_unknown_rule_is_shown_whole_as_recorded():
    """Half a translation ("Land Administration Law art. 47; 镇规定第3条") reads worse."""
    assert legal_basis("土地管理法第47条；镇规定第3条", "en") == "土地管理法第47条；镇规定第3条"
    assert legal_basis("", "en") == ""


def test_the_dashboard_and_the_procedure_page_cite_the_laws_in_the_pages_language(
    client, english_client, staff, yannan_case
):
    project = yannan_case.project
    Stage.objects.create(
        project=project,
        order=1,
        name="补偿登记",
        name_en="Compensation registration",
        legal_basis="土地管理法第47条；实施条例第28条",
    )
    english_client.force_login(staff)
    client.force_login(staff)
    for name in ("project_dashboard", "project_procedure"):
        url = reverse(name, args=[project.pk])
        english = english_client.get(url).content.decode()
        assert "Land Administration Law art. 47; Implementing Regulations art. 28" in english
        assert "土地管理法第47条" not in english
        assert "土地管理法第47条；实施条例第28条" in client.get(url).content.decode()
