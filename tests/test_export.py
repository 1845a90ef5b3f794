"""CSV and XLSX exports (cases/exporting.py, cases/views/exports.py): scope, masking, formula
escaping, streaming."""

import codecs
import csv
import io
import re
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from cases import exporting
from cases.models import Ballot, Visit, Vote
from cases.services import visit_record

from .factories import (
    CaseFactory,
    HouseholdFactory,
    UserFactory,
    VoteFactory,
    VoterFactory,
    make_id_number,
)

KINDS = ["cases", "visits", "households", "votes"]
DANGEROUS = {
    "head_name": '=HYPERLINK("http://evil.example","点我")',
    "notes": "@SUM(1+1)",
    "address": "-1+1",
    "case_notes": "+86 tel",
    "visit_notes": "\tTAB",
    "subject": "\r=1+1",
}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def data(yannan_coop, zhennan_coop, yannan_project, staff):
    yannan_house = HouseholdFactory(
        cooperative=yannan_coop,
        number="1",
        head_name=DANGEROUS["head_name"],
        head_id_number=make_id_number(7),
        phone="13812345678",
        notes=DANGEROUS["notes"],
        address=DANGEROUS["address"],
        contracted_mu=Decimal("1.25"),
    )
    zhennan_house = HouseholdFactory(cooperative=zhennan_coop, number="9", head_name="镇南户主")
    case = CaseFactory(
        project=yannan_project,
        household=yannan_house,
        notes=DANGEROUS["case_notes"],
        affected_mu=Decimal("0.50"),
    )
    CaseFactory(project=yannan_project, household=zhennan_house)
    visit = Visit.objects.create(
        case=case,
        project=case.project,
        village=case.household.cooperative.village,
        visited_on=date(2021, 3, 1),
        recorded_by=staff,
        notes=DANGEROUS["visit_notes"],
        concerns=["compensation"],
    )
    visit.visitors.add(staff)
    vote = VoteFactory(
        village=yannan_coop.village, cooperative=yannan_coop, subject=DANGEROUS["subject"]
    )
    voter = VoterFactory(vote=vote, household=yannan_house)
    VoterFactory(vote=vote, household=HouseholdFactory(cooperative=yannan_coop, number="2"))
    Ballot.objects.create(
        vote=vote, voter=voter, choice=Ballot.Choice.FOR, recorded_by=staff, cast_on=date.today()
    )
    VoteFactory(village=zhennan_coop.village, subject="镇南表决")
    return yannan_house


def log_in(client, user):
    user.refresh_from_db()  # the factory's password is not saved without a role
    client.force_login(user)


def download(client, user, kind, fmt, **params):
    log_in(client, user)
    response = client.get(reverse("export", args=[kind, fmt]), params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.status_code
    body = b"".join(response.streaming_content)
    if fmt == "csv":
        assert body.startswith(codecs.BOM_UTF8)
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(body)).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def cells(rows):
    return [c for r in rows[1:] for c in r if c is not None]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_cadres_export_holds_only_their_villages_rows(client, data, cadre_yannan, kind, fmt):
    rows = download(client, cadre_yannan, kind, fmt)

    text = " ".join(map(str, cells(rows)))
    assert "镇南" not in text
    assert len(rows) > 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_township_sees_every_village(client, data, superuser, fmt):
    rows = download(client, superuser, "households", fmt)

    assert sorted(r[0] for r in rows[1:]) == ["烟南村", "烟南村", "镇南村"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", ["cases", "households"])
def test_id_and_phone_numbers_are_masked_without_the_permission(
    client, data, cadre_yannan, superuser, kind, fmt
):
    masked = " ".join(map(str, cells(download(client, cadre_yannan, kind, fmt))))
    whole = " ".join(map(str, cells(download(client, superuser, kind, fmt))))

    assert data.head_id_number not in masked and "440605********" in masked
    assert "13812345678" not in masked and "138****5678" in masked
    assert data.head_id_number in whole and "13812345678" in whole


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_text_cell_that_could_run_as_a_formula_is_escaped(client, data, superuser, kind, fmt):
    texts = [c for c in cells(download(client, superuser, kind, fmt)) if isinstance(c, str)]

    assert texts
    assert not [t for t in texts if t.startswith(exporting.FORMULA_STARTS)]
    escaped = {t for t in texts if t.startswith("'")}
    expected = {
        "cases": {"head_name", "case_notes"},
        "visits": {"head_name", "visit_notes"},
        "households": {"head_name", "notes", "address"},
        "votes": {"subject"},
    }[kind]
    # XML turns a carriage return into a line feed when the workbook is read back.
    xml = (lambda t: t.replace("\r", "\n")) if fmt == "xlsx" else str
    assert {xml("'" + DANGEROUS[k]) for k in expected} <= escaped


def test_the_xlsx_export_never_holds_a_formula(client, data, superuser):
    log_in(client, superuser)
    body = b"".join(client.get(reverse("export", args=["households", "xlsx"])).streaming_content)

    sheet = openpyxl.load_workbook(io.BytesIO(body), data_only=False).worksheets[0]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_numbers_stay_numbers_in_xlsx_even_negative():
    table = exporting.Table("t", "t", ["a", "b", "c"], iter([(Decimal("-1.50"), -3, "-3")]))
    sheet = openpyxl.load_workbook(exporting.xlsx_file(table)).worksheets[0]

    assert [c.value for c in sheet[2]] == [-1.5, -3, "'-3"]


def test_the_xlsx_columns_fit_their_dates_and_names_and_the_header_stays_in_view(
    client, data, superuser
):
    """Opened in Excel, the case export's dates read "########" and a project's name its
    first four characters: every column took Excel's default width (8.43). The columns fit
    their header and values (a Chinese character counts two), the header row is frozen."""
    log_in(client, superuser)
    url = reverse("export", args=["cases", "xlsx"])
    body = b"".join(client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).worksheets[0]
    width = {c.value: sheet.column_dimensions[c.column_letter].width for c in sheet[1]}
    longest_project = max(len(c.value) for c in sheet["A"][1:])

    assert width["项目"] >= 2 * longest_project
    assert width["最近走访"] >= 10 and width["下次回访"] >= 10  # 2021-05-20
    assert width["协议补偿金额（元）"] >= 2 * len("协议补偿金额（元）")
    assert all(w <= exporting.MAX_WIDTH for w in width.values())
    assert sheet.freeze_panes == "A2"


def test_a_long_text_does_not_widen_its_column_past_the_limit():
    table = exporting.Table("t", "t", ["备注", "n"], iter([("很长的备注" * 40, 1)]))
    sheet = openpyxl.load_workbook(exporting.xlsx_file(table)).worksheets[0]

    assert sheet.column_dimensions["A"].width == exporting.MAX_WIDTH
    assert sheet.column_dimensions["B"].width == len("n") + 2
    assert sheet["A2"].value == "很长的备注" * 40


def test_the_xlsx_is_written_in_write_only_mode(client, data, superuser, monkeypatch):
    made = []
    real = exporting.new_workbook
    monkeypatch.setattr(exporting, "new_workbook", lambda: made.append(real()) or made[-1])

    download(client, superuser, "cases", "xlsx")

    [workbook] = made
    assert workbook.write_only
    assert isinstance(workbook.worksheets[0], WriteOnlyWorksheet)


def test_the_csv_is_streamed_with_a_bom(client, data, superuser):
    log_in(client, superuser)
    response = client.get(reverse("export", args=["cases", "csv"]))

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="cases-' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(codecs.BOM_UTF8)


def test_exports_are_filtered_like_the_list(client, data, superuser, zhennan_coop):
    by_village = download(client, superuser, "cases", "csv", village=zhennan_coop.village_id)
    by_name = download(client, superuser, "households", "csv", q="镇南户")
    by_number = download(client, superuser, "households", "csv", q="2")
    by_status = download(client, superuser, "cases", "csv", status="signed")

    assert [r[1] for r in by_village[1:]] == ["镇南村"]
    assert [r[3] for r in by_name[1:]] == ["镇南户主"]
    assert [r[2] for r in by_number[1:]] == ["2"]
    assert by_status[1:] == []


def test_the_vote_tally_is_exported_with_its_percentages(client, data, superuser):
    rows = download(client, superuser, "votes", "csv", village=data.cooperative.village_id)

    header, [vote] = rows[0], rows[1:]
    record = dict(zip(header, vote, strict=True))
    assert (record["eligible"], record["cast"], record["votes for"]) == ("2", "1", "1")
    assert record["turnout"] == "50.0%"


def test_a_user_without_the_view_permission_is_refused(client, data, yannan):
    nobody = UserFactory(username="nobody")
    log_in(client, nobody)

    assert client.get(reverse("export", args=["cases", "csv"])).status_code == 403


def test_an_unknown_export_is_not_found(client, superuser):
    log_in(client, superuser)

    assert client.get(reverse("export", args=["ballots", "csv"])).status_code == 404
    assert client.get(reverse("export", args=["cases", "pdf"])).status_code == 404


def test_an_anonymous_user_is_sent_to_log_in(client):
    response = client.get(reverse("export", args=["cases", "csv"]))

    assert response.status_code == 302


@pytest.mark.parametrize("kind", KINDS)
def test_an_export_is_not_n_plus_one(client, data, superuser, kind, django_assert_max_num_queries):
    log_in(client, superuser)
    project = data.cases.first().project
    for _n in range(3, 30):
        case = CaseFactory(project=project, household__cooperative=data.cooperative)
        visit_record(case=case, recorded_by=superuser, visited_on=date(2021, 3, 2))

    with django_assert_max_num_queries(12):
        b"".join(client.get(reverse("export", args=[kind, "xlsx"])).streaming_content)


def test_exports_use_the_list_pages_filters_and_refuse_invalid_ones(
    client, data, superuser, cadre_yannan, zhennan
):
    from cases.models import Case

    from .factories import ProjectFactory

    signed = Case.objects.filter(status="signed").count()
    rows = download(client, superuser, "cases", "csv", status="signed", visits_min="0")
    assert len(rows[1:]) == signed
    everything = download(client, superuser, "cases", "csv")
    assert len(everything[1:]) == Case.objects.count() > signed
    # Another village's project is not a valid choice for a cadre: 400, not a wider export.
    theirs = ProjectFactory(villages=[zhennan])
    log_in(client, cadre_yannan)
    response = client.get(reverse("export", args=["cases", "csv"]), {"project": theirs.pk})
    assert response.status_code == 400
    assert theirs.name not in response.content.decode()


def test_the_lists_link_to_their_export_with_the_current_filters(client, data, superuser):
    log_in(client, superuser)
    for name, kind in (("case_list", "cases"), ("visit_list", "visits"), ("vote_list", "votes")):
        page = client.get(reverse(name), {"stance": "opposed"}).content.decode()
        assert reverse("export", args=[kind, "xlsx"]) + "?stance=opposed" in page, name


def test_the_visit_export_names_visitors_family_name_first(client, data, superuser, staff):
    """The visitors and the recorder read "秀绮 何" (first name first) where the pages read
    "何秀绮"."""
    staff.last_name, staff.first_name = "何", "秀绮"
    staff.save()
    rows = download(client, superuser, "visits", "csv")
    assert rows[1].count("何秀绮") == 2  # visitors, recorded by
    assert "秀绮 何" not in cells(rows)


# --- Filters the user may not use: refused alike by every export --------------------------

#: Every export's parameters that name a village, cooperative or project.
SCOPED_FILTERS = [
    ("cases", "village"),
    ("cases", "cooperative"),
    ("cases", "project"),
    ("visits", "project"),
    ("households", "village"),
    ("households", "cooperative"),
    ("households", "project"),
    ("projects", "village"),
    ("votes", "village"),
    ("votes", "cooperative"),
    ("votes", "project"),
]


@pytest.fixture
def elsewhere(zhennan, zhennan_coop, zhennan_project):
    """镇南村's ids, which a cadre of 烟南村 may not filter by."""
    return {"village": zhennan.pk, "cooperative": zhennan_coop.pk, "project": zhennan_project.pk}


def refused(client, kind, fmt, params):
    response = client.get(reverse("export", args=[kind, fmt]), params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, (response.status_code, kind, params)
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    return response.content.decode()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind, param", SCOPED_FILTERS)
def test_a_filter_outside_the_users_villages_is_refused_by_every_export(
    client, data, cadre_yannan, elsewhere, kind, param, fmt
):
    """Not an empty file, which would read as "no households there"."""
    log_in(client, cadre_yannan)

    message = refused(client, kind, fmt, {param: elsewhere[param]})

    assert message.startswith("Nothing was exported, as these filters are not valid: ")
    assert f"({param}): Select a valid choice." in message
    assert "镇南" not in message and "上沙" not in message


def test_the_refusal_is_punctuated_in_chinese_on_a_chinese_request(
    client, data, cadre_yannan, elsewhere
):
    log_in(client, cadre_yannan)
    params = {"project": elsewhere["project"], "stance": "nonsense"}
    response = client.get(reverse("export", args=["cases", "csv"]), params)
    assert response.status_code == 400
    message = response.content.decode()
    assert message.startswith("未导出任何内容，因为这些筛选条件无效：")
    assert "（project）：" in message and "（stance）：" in message and "；" in message
    assert not re.search(r"[\u4e00-\u9fff][ (:;]|[:;] [\u4e00-\u9fff]", message), message


@pytest.mark.parametrize("kind, param", SCOPED_FILTERS)
def test_an_unknown_or_malformed_id_is_refused_by_every_export(
    client, data, superuser, kind, param
):
    """Such a filter used to be dropped by the household and vote exports, which then held
    every row."""
    log_in(client, superuser)

    for value in ("999999", "abc"):
        assert f"({param}):" in refused(client, kind, "csv", {param: value})


@pytest.mark.parametrize("kind", ["households", "votes"])
def test_an_unknown_status_is_refused(client, data, superuser, kind):
    log_in(client, superuser)

    assert "(status): Select a valid choice. cooked" in refused(
        client, kind, "csv", {"status": "cooked"}
    )


@pytest.mark.parametrize("kind, param", SCOPED_FILTERS)
def test_the_users_own_village_cooperative_or_project_filters_as_before(
    client, data, cadre_yannan, kind, param
):
    own = {"village": data.cooperative.village_id, "cooperative": data.cooperative_id}
    own["project"] = data.cases.first().project_id
    Vote.objects.filter(village=data.cooperative.village).update(project=own["project"])

    rows = download(client, cadre_yannan, kind, "csv", **{param: own[param]})

    assert len(rows) > 1


def test_the_refusal_is_in_the_users_language(client, data, cadre_yannan, elsewhere):
    log_in(client, cadre_yannan)
    url = reverse("export", args=["households", "csv"])

    response = client.get(url, {"village": elsewhere["village"]}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 400
    assert response.content.decode().startswith("未导出任何内容")


def test_the_household_exports_project_status_and_stance_are_of_one_case(
    client, data, superuser, zhennan_project
):
    """Household 1 has a case in 烟南's project, not signed; a signed case elsewhere must not
    make it "signed in 烟南's project"."""
    yannan_project = data.cases.first().project
    CaseFactory(
        project=zhennan_project,
        household=data,
        status="signed",
        agreement_signed_on=date(2021, 5, 1),
    )

    signed_here = download(
        client, superuser, "households", "csv", project=yannan_project.pk, status="signed"
    )
    signed_there = download(
        client, superuser, "households", "csv", project=zhennan_project.pk, status="signed"
    )

    assert signed_here[1:] == []
    assert [r[2] for r in signed_there[1:]] == ["1"]


def test_several_values_of_a_filter_are_any_of_them(client, data, superuser, zhennan_coop):
    villages = [data.cooperative.village_id, zhennan_coop.village_id]

    households = download(client, superuser, "households", "csv", village=villages)
    votes = download(client, superuser, "votes", "csv", village=villages)

    assert sorted(r[0] for r in households[1:]) == ["烟南村", "烟南村", "镇南村"]
    assert len(votes[1:]) == 2


def test_an_english_visit_export_lists_concerns_and_visitors_with_commas(client, data, staff):
    """The concerns and visitors of a visit were joined with 、 in English exports too."""
    visit = Visit.objects.get()
    visit.concerns = ["compensation", "resettlement"]
    visit.save()
    visit.visitors.add(UserFactory(last_name="罗", first_name="健嘉"))
    rows = download(client, staff, "visits", "csv")
    header, row = rows[0], rows[1]
    assert row[header.index("concerns")] == "compensation amount, resettlement"
    assert row[header.index("visitors")] in ("staff, 罗健嘉", "罗健嘉, staff")
