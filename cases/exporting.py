"""Exports of cases, visits, households, projects and vote tallies as CSV and XLSX.

A ``Table`` is a title, translated column headers and an iterator of rows of Python values
(str, int, Decimal, date, bool, None); ``csv_chunks`` and ``xlsx_file`` write any table.

- Scope and masking are decided before a row exists: the querysets come from
  ``visible_to(user)`` and ID / phone numbers pass through ``cases.access.id_number_for`` /
  ``phone_for``.
- Formula injection: a TEXT cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
  return gets a leading ``'`` in both formats, so no spreadsheet runs it. Numbers are written
  as numbers (a negative area stays -1.5, not text).
- Memory: rows are read with ``.iterator(chunk_size=…)`` and ``select_related``; the CSV is
  streamed as it is produced, the XLSX is written by openpyxl in write-only mode to a temporary
  file, which is then streamed. 100k rows stay within a few tens of MB.
- CSV is UTF-8 with a BOM: Chinese Excel reads a BOM-less UTF-8 file as GBK and garbles it.
"""

import codecs
import csv
import io
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import islice

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from . import dashboards, tallies, voting
from .access import id_number_for, phone_for
from .models import Case, Household, Project, Visit, Vote
from .templatetags.landreform import person
from .wording import join_list, join_sentences

CHUNK_SIZE = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_text(value: str) -> str:
    """``'=HYPERLINK(…)``: a text a spreadsheet would run as a formula, made inert."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _cell(value):
    """A value as written to either format: text escaped, numbers kept numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, date):
        return value
    return escape_text(str(value))


@dataclass
class Table:
    name: str  # file name without extension
    title: str
    headers: list[str]
    rows: Iterable[tuple]


def _csv_text(value) -> str:
    value = _cell(value)
    return value.isoformat(" ") if isinstance(value, datetime) else str(value)


def csv_chunks(table: Table) -> Iterator[bytes]:
    """The table as UTF-8 CSV with a BOM, in chunks of a few hundred rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([escape_text(str(h)) for h in table.headers])
    yield codecs.BOM_UTF8 + buffer.getvalue().encode()
    rows = iter(table.rows)
    while chunk := list(islice(rows, 500)):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([_csv_text(v) for v in row] for row in chunk)
        yield buffer.getvalue().encode()


def new_workbook() -> Workbook:
    """openpyxl in write-only mode: rows go to disk as they are appended."""
    return Workbook(write_only=True)


#: The rows read ahead to size the XLSX's columns (write-only: widths come before any row).
WIDTH_SAMPLE = 200
#: Widest column, in characters: a longer text (notes) is cut at the edge, whole in its cell.
MAX_WIDTH = 50


def _display_width(value) -> int:
    """The characters a cell's value shows as in a spreadsheet, a Chinese character counting
    two: a date ``2021-05-20``, a number as written."""
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_widths(headers: list, rows: list[list]) -> list[float]:
    """Each column wide enough for its header and the sampled rows' values, within
    ``MAX_WIDTH``: at Excel's default width (8.43) a date showed as "########" and a project's
    name was cut after four characters."""
    widths = [_display_width(h) for h in headers]
    for row in rows:
        for i, value in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], _display_width(value))
    return [min(width + 2, MAX_WIDTH) for width in widths]


def xlsx_file(table: Table):
    """A temporary file (deleted when closed) holding the table as XLSX, at offset 0: its
    columns sized to their contents (``column_widths`` on the first ``WIDTH_SAMPLE`` rows)
    and its header row frozen, so that a printed or scrolled sheet keeps its headings."""
    workbook = new_workbook()
    sheet = workbook.create_sheet(title=table.title[:31])
    headers = [escape_text(str(h)) for h in table.headers]
    rows = iter(table.rows)
    first = [[_cell(v) for v in row] for row in islice(rows, WIDTH_SAMPLE)]
    for i, width in enumerate(column_widths(headers, first), start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(headers)
    for row in first:
        sheet.append(row)
    for row in rows:
        sheet.append([_cell(v) for v in row])
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (the response closes it)
    workbook.save(out)
    out.seek(0)
    return out


# --- Querysets: the list pages' own filters, or the same parameters (households, votes) -------


class ExportFilterError(ValueError):
    """The export's filters are not valid (an unknown project id, a bad date, …): refused
    rather than silently ignored, so an export never holds more rows than the page showed.

    Decision: a village, cooperative or project the user may not see is not a valid choice
    either (the FilterSets offer only the user's), so every export refuses it with a 400 and
    this message, which names the parameter and the id, never the place: an empty file would
    read as "no households there", and a file of every row as the filter applied."""


_INVALID_FILTERS = _("Nothing was exported, as these filters are not valid: %(problems)s")
#: One of them: its label, its parameter (what the URL says) and why.
_INVALID_FILTER = _("%(label)s (%(name)s): %(errors)s")


def _valid_filterset(filterset_class, qs, request):
    """The list page's own FilterSet, so the export holds exactly the rows of the page."""
    filterset = filterset_class(request.GET, queryset=qs, request=request)
    if not filterset.is_valid():
        fields = filterset.form.fields
        problems = gettext("; ").join(
            gettext(_INVALID_FILTER)
            % {
                "label": fields[name].label if name in fields else name,
                "name": name,
                "errors": join_sentences(errors),
            }
            for name, errors in filterset.errors.items()
        )
        raise ExportFilterError(gettext(_INVALID_FILTERS) % {"problems": problems})
    return filterset


def _filtered(filterset_class, qs, request):
    return _valid_filterset(filterset_class, qs, request).qs


def export_cases_queryset(request):
    from .filters import CaseFilter

    qs = Case.objects.visible_to(request.user).select_related(
        "household__cooperative__village", "project"
    )
    return _filtered(CaseFilter, qs.order_by("project", "household"), request)


def export_visits_queryset(request):
    from .filters import VisitFilter

    qs = Visit.objects.visible_to(request.user).select_related(
        "case__household__cooperative__village", "project", "branch", "recorded_by"
    )
    return _filtered(VisitFilter, qs.order_by("-visited_on", "pk"), request).with_visitors()


def export_projects_queryset(request):
    """The project list's rows, filtered and sorted as the page: a list of
    ``dashboards.ProjectSummary`` (their figures are computed for all of them at once)."""
    from .filters import ProjectFilter

    filterset = _valid_filterset(ProjectFilter, Project.objects.visible_to(request.user), request)
    return dashboards.project_list(
        request.user, filterset.qs, timezone.localdate(), filterset.chosen_ordering()
    )


def export_households_queryset(request):
    from .filters import HouseholdFilter

    qs = Household.objects.visible_to(request.user).select_related("cooperative__village")
    return _filtered(HouseholdFilter, qs, request)


def export_votes_queryset(request):
    from .filters import VoteFilter

    qs = Vote.objects.visible_to(request.user).select_related("village", "cooperative", "project")
    return _filtered(VoteFilter, qs.order_by("-opens_on", "pk"), request)


# --- Tables ----------------------------------------------------------------------------------


def _rows(qs, make: Callable) -> Iterator[tuple]:
    for obj in qs.iterator(chunk_size=CHUNK_SIZE):
        yield make(obj)


#: The household's identity, in every table that names a household; the ID number is left out
#: where it is not needed (visits).
HOUSEHOLD_HEADERS = [
    _("village"),
    _("cooperative"),
    _("household number"),
    _("head of household"),
    _("ID number"),
    _("phone"),
]


def _household_cells(household: Household, user, *, id_number: bool = True) -> tuple:
    """The household's identity cells, personal numbers masked unless ``user`` may see them."""
    cells = (
        household.cooperative.village.name,
        household.cooperative.name,
        household.number,
        household.head_name,
        id_number_for(user, household.head_id_number),
        phone_for(user, household.phone),
    )
    return cells if id_number else cells[:4] + cells[5:]


def _household_headers(*, id_number: bool = True) -> list:
    return HOUSEHOLD_HEADERS if id_number else HOUSEHOLD_HEADERS[:4] + HOUSEHOLD_HEADERS[5:]


def cases_table(qs, user) -> Table:
    headers = [
        _("project"),
        *_household_headers(),
        _("status"),
        _("stance"),
        _("affected area (mu)"),
        _("agreed compensation (yuan)"),
        _("agreement signed"),
        _("visits"),
        _("last visit"),
        _("next follow-up"),
        _("notes"),
    ]

    def row(case: Case):
        household = case.household
        return (
            case.project.name,
            *_household_cells(household, user),
            case.get_status_display(),
            case.get_stance_display(),
            case.affected_mu,
            case.compensation_yuan,
            case.agreement_signed_on,
            case.visit_count,
            case.last_visit_on,
            case.next_follow_up_on,
            case.notes,
        )

    return Table("cases", gettext("Cases"), headers, _rows(qs, row))


def visits_table(qs, user) -> Table:
    headers = [
        _("date of visit"),
        _("project"),
        *_household_headers(id_number=False),
        _("place"),
        _("stance heard"),
        _("concerns"),
        _("visitors"),
        _("credited to branch"),
        _("next follow-up"),
        _("notes"),
        _("recorded by"),
    ]
    concern_labels = dict(Visit.Concern.choices)

    def row(visit: Visit):
        household = visit.case.household
        return (
            visit.visited_on,
            visit.project.name,  # the case's, copied to the visit (``services.visit_places``)
            *_household_cells(household, user, id_number=False),
            visit.get_place_display(),
            visit.get_stance_display(),
            join_list(concern_labels.get(c, c) for c in visit.concerns or []),
            join_list(person(v) for v in visit.visitors.all()),
            visit.branch.name if visit.branch else "",
            visit.next_follow_up_on,
            visit.notes,
            person(visit.recorded_by),
        )

    return Table("visits", gettext("Visits"), headers, _rows(qs, row))


def households_table(qs, user) -> Table:
    headers = [
        *_household_headers(),
        _("members"),
        _("shareholders"),
        _("contracted area (mu)"),
        _("address"),
        _("notes"),
    ]

    def row(household: Household):
        return (
            *_household_cells(household, user),
            household.member_count,
            household.shareholder_count,
            household.contracted_mu,
            household.address,
            household.notes,
        )

    return Table("households", gettext("Households"), headers, _rows(qs, row))


def projects_table(summaries, user) -> Table:
    """One row per project, its figures in the user's scope (``dashboards.project_list``)."""
    headers = [
        _("project"),
        _("kind"),
        _("status"),
        _("villages"),
        _("households"),
        _("visited"),
        _("visited %"),
        _("signed, incl. completed"),
        _("signed %"),
        _("opposed"),
        _("overdue follow-ups"),
        _("visits in the last 7 days"),
        _("open votes"),
        _("next stage"),
        _("next stage due"),
        _("deadline"),
    ]

    def row(s: dashboards.ProjectSummary):
        project, f, stage, flag = s.project, s.figures, s.next_stage, s.deadline_flag
        return (
            project.name,
            project.get_kind_display(),
            project.get_status_display(),
            join_list(project.visible_villages),
            f.households,
            f.visited,
            f.visited_percent,
            f.signed,
            f.signed_percent,
            f.opposed,
            f.overdue,
            s.recent_visits,
            len(s.open_votes),
            f"{stage.stage.order}. {stage.name}" if stage else None,
            s.next_due,
            flag.message if flag else None,
        )

    return Table("projects", gettext("Projects"), headers, map(row, summaries))


def votes_table(qs, user) -> Table:
    """One row per vote; tallies from ``cases.tallies.tallies_for``, two queries per chunk."""
    headers = [
        _("subject"),
        _("project"),
        _("village"),
        _("cooperative"),
        _("rule"),
        _("basis"),
        _("status"),
        _("opens"),
        _("closes"),
        _("eligible"),
        _("cast"),
        _("turnout"),
        _("votes for"),
        _("votes against"),
        _("abstentions"),
        _("approval"),
        _("quorum met"),
        _("passed"),
        _("“for” votes still needed"),
    ]

    def rows() -> Iterator[tuple]:
        votes = qs.iterator(chunk_size=CHUNK_SIZE)
        while chunk := list(islice(votes, 500)):
            results = tallies.tallies_for(chunk)
            for vote in chunk:
                t = results[vote.pk]
                yield (
                    vote.subject,
                    vote.project.name if vote.project else "",
                    vote.village.name,
                    vote.cooperative.name if vote.cooperative else "",
                    vote.get_rule_code_display(),
                    vote.get_basis_display(),
                    vote.get_status_display(),
                    vote.opens_on,
                    vote.closes_on,
                    t.eligible,
                    t.cast,
                    voting.format_percent(t.turnout),
                    t.votes_for,
                    t.votes_against,
                    t.abstain,
                    voting.format_percent(t.approval),
                    t.quorum_met,
                    t.passed,
                    t.needed_for,
                )

    return Table("votes", gettext("Vote tallies"), headers, rows())


EXPORTS = {
    # kind: (rows function — a queryset, or the project list's computed rows —, table function,
    # permission needed besides scope)
    "cases": (export_cases_queryset, cases_table, "cases.view_case"),
    "visits": (export_visits_queryset, visits_table, "cases.view_visit"),
    "households": (export_households_queryset, households_table, "cases.view_household"),
    "projects": (export_projects_queryset, projects_table, "cases.view_project"),
    "votes": (export_votes_queryset, votes_table, "cases.view_vote"),
}
