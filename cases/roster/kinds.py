"""The kinds of roster and their columns: ``RosterKind``, the household roster (``HOUSEHOLDS``,
``COLUMNS``), the member roster (``MEMBERS``, whose parser is ``cases.member_roster``'s), and
the header words each column goes by, compared after ``_header_key``.

Both kinds are here, ``KINDS``, because a workbook may hold one of each: choosing its worksheet
for one kind means knowing the other (``xlsx._xlsx_sheet``).
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from cases.validators import normalize_text
from cases.wording import join_list


@dataclass(frozen=True, eq=False)  # each kind is one object, hashed by identity
class RosterKind:
    """One kind of roster: its columns (canonical names, in the order parsers read them),
    those it requires, and the headers each goes by: the documented Chinese one (used in
    messages as "村/village"), the column's own name, and the variants seen in township files,
    separated by spaces. ``not_imported``: headers known to carry nothing the app keeps
    (性别), dropped without being named as unrecognised.

    Headers are compared after ``_header_key`` (NFKC, case-folded, without spaces,
    underscores, dashes, dots, stars and colons), so "承包面积（亩）", " Household No. " and
    "户号*" need no entry of their own. A parenthesised suffix is also dropped when nothing
    matches ("人口(人)" is 人口), except for the area, whose unit must be 亩.
    """

    title: object  # "household roster", lazily translated, for messages
    rows_noun: object  # "household rows"
    layout: object  # "one household a row": what tells this kind from another, for messages
    command: str  # the management command that imports this kind
    columns: tuple[str, ...]
    required: tuple[str, ...]
    chinese: Mapping[str, str]
    variants: Mapping[str, str]
    not_imported: str = ""
    index: dict[str, str | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        index: dict[str, str | None] = {}
        for column in self.columns:
            for variant in (column, self.chinese[column], *self.variants[column].split()):
                index.setdefault(_header_key(variant), column)
        for header in self.not_imported.split():
            index.setdefault(_header_key(header), None)
        object.__setattr__(self, "index", index)

    def canonical(self, header: str) -> str | None:
        """The canonical column name for a header cell as written, or ``None``."""
        key = _header_key(header)
        column = self.index.get(key)
        if column is None and key not in self.index and (match := _HEADER_UNIT.fullmatch(key)):
            column = self.index.get(match[1])
            if column == "contracted_mu":  # 承包面积(平方米) is not in mu
                column = None
        return column

    def is_not_imported(self, header: str) -> bool:
        key = _header_key(header)
        return key in self.index and self.index[key] is None

    def column_names(self, columns: Iterable[str]) -> str:
        """ "村/village, 户号/household_no": the headers to write, in both languages, listed as
        the page's language lists them (村/village、户号/household_no in Chinese)."""
        return join_list(f"{self.chinese[c]}/{c}" for c in columns)


_HEADER_JUNK = re.compile(r"[\s_\-.*:]+")
_HEADER_UNIT = re.compile(r"(.+?)\(.*\)")


def _header_key(text: str) -> str:
    return _HEADER_JUNK.sub("", normalize_text(text).casefold())


#: Headers of the columns a household roster and a member roster share.
PLACE_VARIANTS = {
    "village": "村名 村委会 村(社区) 村/社区 村居 社区 所属村 行政村 village_name community",
    "cooperative": "社 经济合作社 合作社 股份合作经济社 经济社名称 所属经济社 村民小组 小组 组 "
    "coop co-op cooperative_name economic_cooperative",
    "household_no": "户编号 户序号 household_number household hh_no",
}
PHONE_VARIANTS = (
    "电话 手机 手机号 手机号码 电话号码 联系方式 联系电话号码 phone_number mobile telephone tel"
)

HOUSEHOLDS = RosterKind(
    title=_("household roster"),
    rows_noun=_("household rows"),
    layout=_("one household a row"),
    command="import_households",
    columns=(
        "village",
        "cooperative",
        "household_no",
        "head_name",
        "id_number",
        "phone",
        "members",
        "shareholders",
        "contracted_mu",
        "address",
        "notes",
    ),
    required=("village", "cooperative", "household_no", "head_name"),
    chinese={
        "village": "村",
        "cooperative": "经济社",
        "household_no": "户号",
        "head_name": "户主",
        "id_number": "身份证号",
        "phone": "联系电话",
        "members": "人口",
        "shareholders": "股东数",
        "contracted_mu": "承包面积(亩)",
        "address": "地址",
        "notes": "备注",
    },
    variants={
        **PLACE_VARIANTS,
        "head_name": "户主姓名 户主名 户代表 户代表姓名 姓名 head head_of_household "
        "household_head name",
        "id_number": "身份证 身份证号码 户主身份证号 户主身份证号码 公民身份号码 证件号码 "
        "id_card id_card_number",
        "phone": PHONE_VARIANTS,
        "members": "人口数 家庭人口 户籍人口 人数 家庭人数 member_count population",
        "shareholders": "股东人数 股东 shareholder_count",
        "contracted_mu": "承包面积 承包地面积 承包地面积(亩) 承包面积(mu) 面积(亩) "
        "contracted_area contracted_area(mu) area(mu)",
        "address": "住址 家庭住址 家庭地址 联系地址",
        "notes": "说明 note remark remarks comment comments",
    },
)
MEMBERS = RosterKind(
    title=_("member roster"),
    rows_noun=_("member rows"),
    layout=_("one person a row"),
    command="import_members",
    columns=(
        *PLACE_VARIANTS,  # village, cooperative, household_no
        "head_name",
        "name",
        "relation",
        "id_number",
        "birth_date",
        "phone",
        "collective_member",
        "shareholder",
        "shares",
        "villager_representative",
        "member_representative",
    ),
    required=(*PLACE_VARIANTS, "name"),
    chinese={
        # The household's columns, and the person's ID number and phone, as in a household roster.
        **{c: HOUSEHOLDS.chinese[c] for c in (*PLACE_VARIANTS, "head_name", "id_number", "phone")},
        "name": "姓名",
        "relation": "与户主关系",
        "birth_date": "出生日期",
        "collective_member": "集体成员",
        "shareholder": "股东",
        "shares": "股份",
        "villager_representative": "村民代表",
        "member_representative": "成员代表",
    },
    variants={
        **PLACE_VARIANTS,
        # 户主 is the household's column here: the person's name is 姓名.
        "head_name": "户主姓名 户主名 户代表 户代表姓名 head head_of_household household_head",
        "name": "成员姓名 股东姓名 名字 member_name member full_name",
        "relation": "与户主关系 与户主的关系 户主关系 关系 家庭关系 relationship relation_to_head",
        # Not 户主身份证号: in a member roster that is the head's, not the person's.
        "id_number": "身份证 身份证号码 公民身份号码 证件号码 成员身份证号 id_card id_card_number",
        "birth_date": "出生年月日 出生年月 出生 生日 date_of_birth birthday dob",
        "phone": PHONE_VARIANTS,
        "collective_member": "是否集体经济组织成员 集体经济组织成员 是否集体成员 是否成员 "
        "collective is_collective_member",
        "shareholder": "是否股东 is_shareholder",
        "shares": "配股数 股数 持股数 股份数 股权数 share_count",
        "villager_representative": "是否村民代表 villagers_representative",
        "member_representative": "是否成员代表 股东代表 是否股东代表 members_representative",
    },
    # Read from the ID number or the birth date, or kept nowhere.
    not_imported="性别 sex gender 年龄 age",
)

#: Every kind of roster: a workbook may hold one of each (``xlsx._xlsx_sheet``).
KINDS = (HOUSEHOLDS, MEMBERS)

COLUMNS = HOUSEHOLDS.columns
REQUIRED_COLUMNS = HOUSEHOLDS.required
CHINESE_HEADERS = HOUSEHOLDS.chinese


def canonical_column(header: str) -> str | None:
    """The canonical household-roster column for a header cell as written, or ``None``."""
    return HOUSEHOLDS.canonical(header)
