"""The Chinese catalog is complete: every msgid translated, nothing fuzzy, placeholders kept,
and the compiled .mo files are committed next to the .po files."""

import re
from pathlib import Path

import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[1] / "locale"
ZH_PO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w+\}")


def _unquote(lines: list[str]) -> str:
    return "".join(re.findall(r'^"(.*)"$', line)[0] for line in lines)


def po_entries(path: Path):
    """(flags, msgid, [msgstr…]) of each entry but the header; a deliberately small parser."""
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        flags, fields, key = [], {}, None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                flags += [f.strip() for f in line[2:].split(",")]
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                fields[key].append(line)
            else:
                key, _space, rest = line.partition(" ")
                fields[key] = [rest]
        if "msgid" not in fields:
            continue
        msgid = _unquote(fields["msgid"])
        if msgid == "":
            if "fuzzy" in flags:
                yield flags, "(header)", ["x"]
            continue
        msgstrs = [_unquote(v) for k, v in fields.items() if k.startswith("msgstr")]
        yield flags, msgid, msgstrs


def test_every_chinese_entry_is_translated_and_none_is_fuzzy():
    entries = list(po_entries(ZH_PO))
    assert len(entries) > 250
    untranslated = [msgid for _f, msgid, strs in entries if not all(strs)]
    fuzzy = [msgid for flags, msgid, _s in entries if "fuzzy" in flags]
    assert untranslated == []
    assert fuzzy == []


def test_chinese_translations_keep_their_placeholders():
    wrong = [
        msgid
        for _f, msgid, strs in po_entries(ZH_PO)
        for msgstr in strs
        if sorted(set(PLACEHOLDER.findall(msgid))) != sorted(set(PLACEHOLDER.findall(msgstr)))
        and "%(n)s" not in msgstr  # plural forms: zh has one form for "visit" and "visits"
    ]
    assert wrong == []


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_compiled_catalogs_are_there(language):
    mo = LOCALE / language / "LC_MESSAGES" / "django.mo"
    assert mo.exists() and mo.stat().st_size > 0


def test_the_app_speaks_chinese_by_default_and_english_on_request():
    with translation.override("zh-hans"):
        assert translation.gettext("Log a visit") == "登记走访"
        assert translation.gettext("opposed") == "反对"
    with translation.override("en"):
        assert translation.gettext("Log a visit") == "Log a visit"
