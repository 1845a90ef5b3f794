"""The admin's tabular inlines name every box for a screen reader (``LabelledRowsFormSet``)."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from .factories import CooperativeFactory, MemberFactory, StageFactory, default_templates


class _Boxes(HTMLParser):
    """Every visible input, select and textarea of the inline formset ``prefix``, with its
    attributes, and the ids that a ``<label for>`` names."""

    def __init__(self, prefix: str):
        super().__init__()
        self.pattern = re.compile(rf"^{prefix}-(\d+|__prefix__)-")
        self.boxes: list[dict] = []
        self.labelled: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label" and attrs.get("for"):
            self.labelled.add(attrs["for"])
        boxed = tag in ("input", "select", "textarea") and attrs.get("type") != "hidden"
        if boxed and self.pattern.match(attrs.get("name") or ""):
            self.boxes.append(attrs)


def _boxes(client, url, prefix, language):
    html = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    parser = _Boxes(prefix)
    parser.feed(html)
    assert parser.boxes, f"no {prefix} inline on {url}"
    return parser


@pytest.fixture
def pages(yannan_household, yannan_project, yannan_coop):
    default_templates()
    CooperativeFactory(village=yannan_coop.village)
    for name in ("黄荣", "黄丽"):
        MemberFactory(household=yannan_household, name=name)
    for order in (1, 2):
        StageFactory(project=yannan_project, order=order)
    from cases.models import ProcedureTemplate

    template = ProcedureTemplate.objects.filter(steps__isnull=False).first()
    return {
        "members": reverse("admin:cases_household_change", args=[yannan_household.pk]),
        "cooperatives": reverse("admin:cases_village_change", args=[yannan_coop.village_id]),
        "stages": reverse("admin:cases_project_change", args=[yannan_project.pk]),
        "steps": reverse("admin:cases_proceduretemplate_change", args=[template.pk]),
    }


@pytest.mark.parametrize(
    ("language", "row", "new_row"),
    [
        ("en", r"^.+, row (\d+)$", r"^.+, new row$"),
        ("zh-CN", r"^.+，第 (\d+) 行$", r"^.+，新增行$"),
    ],
)
@pytest.mark.parametrize("prefix", ["members", "cooperatives", "stages", "steps"])
def test_every_tabular_inline_box_has_an_accessible_name(
    client, superuser, pages, prefix, language, row, new_row
):
    """A tabular inline shows the column header only: screen readers announced "edit text"
    for each box. Each is named "<column>, row <n>" (the row it is in), the blank row that
    "Add another" copies "<column>, new row"."""
    client.force_login(superuser)
    parser = _boxes(client, pages[prefix], prefix, language)
    for box in parser.boxes:
        name = box.get("aria-label") or ""
        assert name or box.get("id") in parser.labelled, box
        index = box["name"].split("-")[1]
        if index == "__prefix__":
            assert re.match(new_row, name), box
        elif name:
            assert re.match(row, name) and re.match(row, name)[1] == str(int(index) + 1), box
    assert {b["name"].split("-")[1] for b in parser.boxes} >= {"0", "1"}
