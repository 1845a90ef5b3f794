"""Words that depend on the page's language beyond a catalog lookup: lists joined as the
language joins them.

Pure functions; the template filters of ``templatetags/landreform.py`` call them.
"""

from collections.abc import Iterable

from django.utils.translation import pgettext


def join_list(items: Iterable[object]) -> str:
    """The items joined as the language joins a list: 罗健嘉、黄振 in Chinese, "Luo, Huang" in
    English (the separator is the catalog's, so an English page never shows 、)."""
    return pgettext("between the items of a list", ", ").join(str(item) for item in items)
