"""Words that depend on the page's language beyond a catalog lookup: lists joined as the
language joins them, sentences joined as the language writes them, and the legal basis of a
procedure's stages named in English.

Pure functions; the template filters of ``templatetags/landreform.py`` call them.
"""

import re
from collections.abc import Iterable

from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import get_language, pgettext


def join_list(items: Iterable[object]) -> str:
    """The items joined as the language joins a list: 罗健嘉、黄振 in Chinese, "Luo, Huang" in
    English (the separator is the catalog's, so an English page never shows 、)."""
    return pgettext("between the items of a list", ", ").join(str(item) for item in items)


#: A space after a Chinese sentence's full stop, question or exclamation mark, semicolon or
#: colon: Chinese puts none there, English one.
_SPACE_AFTER_CHINESE_STOP = re.compile(r"(?<=[。！？；：])[ \t]+")


def tidy_sentences(text):
    """``text`` without the space that code joining two sentences put after a Chinese one
    (Django's "成功添加了 …。 您可以在下面再次编辑它。"). Whitespace alone is taken out, so a
    safe string (a message built with ``format_html``) stays safe."""
    string = str(text)  # a message's str() keeps its text safe or not
    tidied = _SPACE_AFTER_CHINESE_STOP.sub("", string)
    return mark_safe(tidied) if isinstance(string, SafeData) else tidied


def join_sentences(sentences: Iterable[object]) -> str:
    """Sentences joined as the language writes them: "甲。乙。" in Chinese, "A. B." in English."""
    return tidy_sentences(" ".join(str(sentence) for sentence in sentences))


#: The laws and local rules a stage's legal basis names (procedure templates, the admin), in
#: the English of the procedure page's hearing note and of ``voting.Citation``.
LAWS_IN_ENGLISH = {
    "土地管理法": "Land Administration Law",
    "土地管理法实施条例": "Implementing Regulations of the Land Administration Law",
    "实施条例": "Implementing Regulations",
    "广东省土地管理条例": "Guangdong Land Administration Regulations",
    "村民委员会组织法": "Organic Law of Villagers' Committees",
    "农村集体经济组织法": "Rural Collective Economic Organizations Law",
    "农村土地承包法": "Rural Land Contracting Law",
    "六步工作法": "the six-step procedure",
    "英明社区“六步工作法”": "Yingming community's six-step procedure",
}
_CITATION = re.compile(r"《?(?P<law>[^《》第]+?)》?(?:第(?P<articles>[\d\s–\-~、，,]+)条)?")
_ARTICLE_SEPARATORS = re.compile(r"\s*[、，,]\s*")


def _citation_in_english(citation: str) -> str | None:
    match = _CITATION.fullmatch(citation.strip())
    if not match or match["law"] not in LAWS_IN_ENGLISH:
        return None
    law = LAWS_IN_ENGLISH[match["law"]]
    if not match["articles"]:
        return law
    articles = _ARTICLE_SEPARATORS.sub(", ", match["articles"].strip()).replace("-", "–")
    several = "," in articles or "–" in articles or "~" in articles
    return f"{law} {'arts.' if several else 'art.'} {articles}"


def legal_basis(text: str, language: str | None = None) -> str:
    """A stage's legal basis as recorded (土地管理法第47条；实施条例第28条) in the page's
    language: on an English page "Land Administration Law art. 47; Implementing Regulations
    art. 28".

    Decision: the basis is recorded once, in Chinese, by whoever keeps the procedure templates
    (unlike a stage's name, which has an English column); the laws a township cites are few,
    so English pages name them from ``LAWS_IN_ENGLISH``. A basis naming anything else is shown
    as recorded, whole: half a translation would read worse than none.
    """
    language = language or get_language() or "zh-hans"
    if language.startswith("zh") or not text:
        return text
    citations = [c for c in re.split(r"[；;]", text.strip().rstrip("。.")) if c.strip()]
    english = [_citation_in_english(c) for c in citations]
    if not english or None in english:
        return text
    return "; ".join(english)


def person(user) -> str:
    """A user's name as written in Chinese (family name first, no space), else the username:
    Django's ``get_full_name`` writes "given family" ("丽惠 区")."""
    name = f"{user.last_name}{user.first_name}".strip()
    return name or user.get_username()


def people(users) -> str:
    """Users by name (``person``), joined as the page's language joins a list."""
    return join_list(person(user) for user in users)
