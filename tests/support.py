"""Helpers several test modules share: which database runs the suite, a visit form's post,
the staff profile of a user page's post, roster files (CSV and XLSX) built in memory."""

import csv
import io
import struct
import uuid
import zipfile
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


def admin_visit_post(case, visitors) -> dict:
    """A post of the admin's "add visit" form: ``case`` visited by ``visitors``."""
    return {
        "case": case.pk,
        "visited_on": "2021-05-06",
        "visitors": ",".join(str(user.pk) for user in visitors),
        "place": "home",
        "stance": "opposed",
        "notes": "",
    }


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


def xlsx_file(rows, hidden_rows=(), hidden_columns=(), heights=None, zero_height=False) -> bytes:
    """``rows`` (the header first) on the first worksheet of a workbook. ``hidden_rows``: row
    numbers hidden in Excel; ``hidden_columns``: letters, or (first, last) for a group;
    ``heights``: row number → height in points (0: ``customHeight="1"`` without ``ht``, as
    openpyxl writes it); ``zero_height``: the sheet's rows are of zero height unless given
    one (``<sheetFormatPr zeroHeight="1">``)."""
    options = {"hidden_rows": hidden_rows, "hidden_columns": hidden_columns}
    options |= {"heights": heights or {}, "zero_height": zero_height}
    return xlsx_workbook(("Sheet", rows, options))


def xlsx_workbook(*sheets) -> bytes:
    """A workbook of worksheets, in order, each ``(title, rows)`` or ``(title, rows,
    options)``: ``state`` ("hidden", "veryHidden"), and those of ``xlsx_file``."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows, *options in sheets:
        options = options[0] if options else {}
        sheet = workbook.create_sheet(title)
        for cells in rows:
            sheet.append(cells)
        sheet.sheet_state = options.get("state", "visible")
        for number in options.get("hidden_rows", ()):
            sheet.row_dimensions[number].hidden = True
        for letters in options.get("hidden_columns", ()):
            if isinstance(letters, tuple):
                sheet.column_dimensions.group(*letters, hidden=True)
            else:
                sheet.column_dimensions[letters].hidden = True
        for number, height in options.get("heights", {}).items():
            sheet.row_dimensions[number].height = height
        sheet.sheet_format.zeroHeight = options.get("zero_height") or None
    # Excel opens a workbook on a visible worksheet.
    visible = [s for s in workbook.worksheets if s.sheet_state == "visible"]
    if visible:
        workbook.active = visible[0]
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def zip_part_replaced(data: bytes, part: str, old: bytes, new: bytes) -> bytes:
    """The XLSX (a zip) ``data`` with ``old`` replaced by ``new`` in its ``part``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == part:
                assert old in content
                content = content.replace(old, new)
            dst.writestr(item, content)
    return out.getvalue()


def ole2_file(streams: dict[str, bytes]) -> bytes:
    """An OLE2 compound file (the container of Excel 97–2003 .xls and of password-protected
    workbooks) holding ``streams`` (name → data of at most 4,096 bytes, at most three): a
    header, one FAT sector, one directory sector, then each stream padded to 4,096 bytes (the
    mini-stream cutoff, so that it lies in ordinary sectors), as [MS-CFB] version 3 lays them
    out."""
    end, free, fat_sector = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    sectors_each = 4096 // 512
    fat = [fat_sector, end]  # sector 0: the FAT; sector 1: the directory
    directory = [_ole2_entry("Root Entry", 5, child=1 if streams else free)]
    for n, (name, content) in enumerate(streams.items()):
        first = len(fat)
        fat += [*range(first + 1, first + sectors_each), end]
        right = n + 2 if n + 1 < len(streams) else free
        assert len(content) <= 4096
        directory.append(_ole2_entry(name, 2, start=first, size=4096, right=right))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        bytes(16),
        0x3E,  # minor version
        3,  # major version: 512-byte sectors
        0xFFFE,  # byte order
        9,  # sector shift: 512
        6,  # mini sector shift: 64
        bytes(6),
        0,  # directory sectors (0 in version 3)
        1,  # FAT sectors
        1,  # first directory sector
        0,  # transaction signature
        4096,  # mini stream cutoff
        end,  # first mini FAT sector
        0,  # mini FAT sectors
        end,  # first DIFAT sector
        0,  # DIFAT sectors
    ) + struct.pack("<109I", 0, *[free] * 108)
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat) + b"\xff" * (512 - 4 * len(fat))
    directory_bytes = b"".join(directory).ljust(512, b"\x00")
    data = b"".join(content.ljust(4096, b"\x00") for content in streams.values())
    return header + fat_bytes + directory_bytes + data


def _ole2_entry(name, kind, *, start=0xFFFFFFFE, size=0, child=0xFFFFFFFF, right=0xFFFFFFFF):
    encoded = (name + "\x00").encode("utf-16-le")
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        encoded,
        len(encoded),
        kind,  # 5: root, 2: stream
        1,  # black
        0xFFFFFFFF,  # left sibling
        right,
        child,
        bytes(16),
        0,
        0,
        0,
        start,
        size,
    )


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


def admin_post_data(response) -> dict:
    """The change form's current values, as the browser would send them back."""
    data = {}

    def put(form):
        for name in form.fields:
            value = form[name].value()
            if value is None:
                continue
            if isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
            elif isinstance(value, list | tuple):
                data[form.add_prefix(name)] = [str(v) for v in value]
            else:
                data[form.add_prefix(name)] = str(value)

    put(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        put(formset.management_form)
        for form in formset.forms:
            put(form)
    return data
