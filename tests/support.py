"""Helpers several test modules share: which database runs the suite, a visit form's post,
the staff profile of a user page's post, roster files (CSV and XLSX) built in memory."""

import csv
import io
import uuid
from datetime import timedelta

import openpyxl
import pytest
from django.conf import settings
from django.utils import timezone

#: The suite runs on SQLite and, in CI, again on PostgreSQL (DATABASE_URL).
ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")

#: For tests of PostgreSQL's own write paths (COPY, the visit form's prepared statements);
#: CI's second run, on PostgreSQL, runs them.
postgres_only = pytest.mark.skipif(not ON_POSTGRESQL, reason="a PostgreSQL write path")


def visit_form_data(**overrides) -> dict:
    """A valid post of the visit form (a new client_id each time)."""
    today = timezone.localdate()
    data = {
        "visited_on": today.isoformat(),
        "stance": "opposed",
        "place": "workplace",
        "concerns": ["compensation", "tenants"],
        "notes": "租户担心搬迁",
        "next_follow_up_on": (today + timedelta(days=7)).isoformat(),
        "client_id": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def staff_profile_post(profile=None, *, user=None, villages=(), branch=None, title="", phone=""):
    """The staff-profile part of a user page's post (the inline, prefix ``staff_profile``):
    a new profile, or ``profile`` (of ``user``) changed."""
    data = {
        "staff_profile-TOTAL_FORMS": "1",
        "staff_profile-INITIAL_FORMS": "1" if profile else "0",
        "staff_profile-MIN_NUM_FORMS": "1",
        "staff_profile-MAX_NUM_FORMS": "1",
        "staff_profile-0-villages": [v.pk for v in villages],
        "staff_profile-0-branch": branch.pk if branch else "",
        "staff_profile-0-title": title,
        "staff_profile-0-phone": phone,
    }
    if profile is not None:
        data["staff_profile-0-id"] = profile.pk
        data["staff_profile-0-user"] = user.pk
    return data


def csv_file(rows, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    """``rows`` (the header first) as Excel writes a CSV: CRLF, quoted where needed."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_file(rows, hidden_rows=(), hidden_columns=()) -> bytes:
    """``rows`` (the header first) on the first worksheet of a workbook. ``hidden_rows``: row
    numbers hidden in Excel; ``hidden_columns``: letters, or (first, last) for a group."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for cells in rows:
        sheet.append(cells)
    for number in hidden_rows:
        sheet.row_dimensions[number].hidden = True
    for letters in hidden_columns:
        if isinstance(letters, tuple):
            sheet.column_dimensions.group(*letters, hidden=True)
        else:
            sheet.column_dimensions[letters].hidden = True
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


#: A member roster's header as townships write it (性别 is read and dropped).
MEMBER_HEADER = ["村", "经济社", "户号", "户主", "姓名", "性别", "与户主关系", "身份证号"]
MEMBER_HEADER += ["出生日期", "联系电话", "是否集体经济组织成员", "是否股东", "股份", "村民代表"]
MEMBER_HEADER += ["成员代表"]


def member_row(name: str, number: str = "001", **cells) -> list:
    """A row of ``MEMBER_HEADER`` for a person of household ``number`` of 烟南村 东头经济社;
    ``cells`` by key: place (village, cooperative), head, sex, relation, id, birth, phone,
    collective, shareholder, shares, villager_rep, member_rep."""
    values = {
        "head": "",
        "sex": "",
        "relation": "",
        "id": "",
        "birth": "",
        "phone": "",
        "collective": "",
        "shareholder": "",
        "shares": "",
        "villager_rep": "",
        "member_rep": "",
        **cells,
    }
    village, cooperative = values.pop("place", ("烟南村", "东头经济社"))
    head, sex, *rest = values.values()
    return [village, cooperative, number, head, name, sex, *rest]
