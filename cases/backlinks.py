"""The crumb from a detail page back to the list it was opened from, with that list's filters,
sort and page.

A list's rows link to their detail page with ``?back=`` holding the list's own path and query
(``{% back_here %}``); the detail page's crumb (``{% back_to "case_list" "visit_list" %}``)
leads there. Only the path of one of the lists the page names is taken, and the link is built
anew from that list's URL and the query's parameters, so that ``back`` can never lead off the
list pages (nor off the site: it is no open redirect); anything else gives the first list,
unfiltered.
"""

from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

#: The lists a crumb may lead back to, by URL name, and what the crumb then reads.
LISTS = {
    "case_list": _("Cases"),
    "visit_list": _("Visits"),
    "project_list": _("Project list"),
    "vote_list": _("Votes"),
}


@dataclass(frozen=True)
class Crumb:
    url: str
    label: str


def back_query(full_path: str) -> str:
    """``back=…`` for a link from the page at ``full_path`` (a list) to a detail page."""
    return "back=" + quote(full_path, safe="")


def crumb_back(back: str, lists: tuple[str, ...]) -> Crumb:
    """The crumb to the list ``back`` names if it is one of ``lists``, with its query;
    otherwise to ``lists[0]`` without one."""
    parts = urlsplit(back or "")
    if not parts.scheme and not parts.netloc:
        for name in lists:
            path = reverse(name)
            if parts.path == path:
                query = urlencode(parse_qsl(parts.query, keep_blank_values=True))
                return Crumb(f"{path}?{query}" if query else path, LISTS[name])
    return Crumb(reverse(lists[0]), LISTS[lists[0]])
