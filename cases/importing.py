"""The roster imports, used by ``manage.py import_households`` / ``import_members`` and the
admin: what every kind of roster shares (reading and checking a file, ``read_and_check``; the
report; the admin's background jobs), and the household roster's own service. The member
roster's is ``cases.member_import`` (``importer(kind)`` picks one).

``households_import`` reads and validates the whole file first (``cases.roster.parse_roster``
with the villages and cooperatives of the database, then the limits of the model's columns);
if any row is invalid nothing is written. Otherwise every row is upserted on (village,
cooperative, household number) inside ONE ``transaction.atomic``: an exception half-way leaves
the database as it was.

Speed: rows go in batches (``BATCH_SIZE``; ``COPY_BATCH_SIZE`` on PostgreSQL). Per batch, one
query loads the households already there (by cooperative and number) as plain tuples, and each
row is classified created / updated / unchanged by comparing values. An unchanged household
costs no write and no history row. The new and changed ones are written
by ``cases.household_writes``: on PostgreSQL with COPY into a temporary table and one INSERT
and one UPDATE, each writing the history rows of what it wrote in the same statement
(``copy_write``); elsewhere (SQLite) with simple-history's bulk helpers (``bulk_write``).
docs/PERFORMANCE.md has the figures.

What a row may change:
- A column the file does not have leaves the field as it is (a roster without 人口 keeps the
  member counts already recorded).
- A blank cell never erases a recorded value: the import adds and corrects, it does not delete
  ("nothing lost"). Clear a value in the admin.

Admin uploads (``import_job_start`` / ``import_job_confirm``): a large roster takes longer than
a request may (100k XLSX rows need ~15 s to read, the writes more), so the request only stores
the upload and starts the work in a background thread, and the page polls a small JSON status
(static/js/import.js). Decision: a thread rather than a task queue, because the project has no
broker and an import runs once in a while; the upload lives under MEDIA_ROOT/imports/ with a
random name (MEDIA_ROOT is never served), the job's state in an ``ImportJob`` row, the running
count in a small progress file next to the upload (the import's own transaction would hide a
progress row from the polling request until it commits). If the server restarts mid-import the
transaction is rolled back: nothing is written and the job stays "importing"; upload again.
Setting ``IMPORT_JOBS_IN_THREAD = False`` (the tests) runs the job inside the request.

Scope: with a ``user``, only the villages that user sees (``visible_to``) are known; rows of any
other village are reported as an unknown village, which names only the visible ones. Without a
user (the management command, run by whoever holds the server) every village is known.
"""

import json
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import partial
from operator import attrgetter, is_not
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import BooleanField, DecimalField, PositiveSmallIntegerField
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy as _, ngettext

from . import copy_writes, household_writes as writes, roster
from .household_writes import OPTIONAL_FIELDS
from .models import Cooperative, Household, ImportJob
from .roster import (
    ParseResult,
    RosterError,
    RosterRow,
    RowError,
    normalize_name,
    parse_roster,
)
from .wording import join_list, join_sentences

__all__ = [
    "BATCH_SIZE",
    "PREVIEW_ROWS",
    "ImportReport",
    "RosterError",
    "households_import",
    "import_job_confirm",
    "import_job_progress",
    "import_job_start",
]

BATCH_SIZE = 2000
PREVIEW_ROWS = 20

_is_not_none = partial(is_not, None)
_SMALL_INT_MAX = 32767  # PositiveSmallIntegerField on every database Django supports

_TOO_LONG = _("%(column)s is %(length)d characters long; at most %(limit)d fit.")
_TOO_LARGE = _("%(column)s is %(value)s; at most %(limit)s fit.")
_TOO_BIG = _("%(column)s is %(value)s mu; at most %(limit)s mu fit.")
_AMBIGUOUS = _(
    'There are several villages named "%(village)s" (in different townships); the roster '
    "cannot say which one it means."
)
_IGNORED = _(
    "These columns are not imported, as their headers are not recognised (or repeat a column "
    "already read): %(columns)s. Rename a header if its column should be imported."
)
_CONFLICT = _(
    "Someone changed these households while the import was running; nothing was written. "
    "Run the import again."
)
_SHEETS = _(
    'The roster is read from the worksheet "%(sheet)s"; the other worksheets are not '
    "imported: %(others)s."
)

Progress = Callable[[int, int], None]


@dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do).

    ``errors`` are every bad cell, in line order; when there are any, nothing was written and
    the counts are 0. ``preview`` holds the first valid rows, for the admin's preview page.
    """

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    encoding: str = ""
    file_format: str = ""
    total_lines: int = 0
    columns: list[str] = field(default_factory=list)
    preview: list[NamedTuple] = field(default_factory=list)
    dry_run: bool = False
    ignored_columns: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # column → header as written
    #: Member imports: households of the file with recorded members the file does not list.
    households_with_unlisted_members: int = 0
    sheet: str = ""  # XLSX: the worksheet read
    sheets_not_read: list[str] = field(default_factory=list)  # XLSX: the others, quoted

    @property
    def ignored_notice(self) -> str:
        """A sentence naming the columns not imported, or "".

        Decision: a header the importer does not recognise (身分证号, 移动电话, a second 联系电话)
        is not an error, since rosters carry 序号, 签名 and the like, but its column is read by
        nobody, so the administrator is told, before confirming, which columns were skipped.
        """
        if not self.ignored_columns:
            return ""
        return gettext(_IGNORED) % {
            "columns": join_list(
                self.ignored_columns[:20] + (["…"] if len(self.ignored_columns) > 20 else [])
            )
        }

    @property
    def unlisted_notice(self) -> str:
        """A sentence saying that members the file does not list are kept, or "".

        Decision: a member roster adds and corrects; it never removes anyone (a person who
        left a household is moved or deleted in the admin, where the history says who did it).
        The administrator is told how many households keep members the file lacks, so that
        nobody thinks they were removed.
        """
        count = self.households_with_unlisted_members
        if not count:
            return ""
        return ngettext(
            "%(count)d household has members who are not in the file; they are kept as they "
            "are (an import never removes a member).",
            "%(count)d households have members who are not in the file; they are kept as they "
            "are (an import never removes a member).",
            count,
        ) % {"count": count}

    @property
    def sheet_notice(self) -> str:
        """A sentence naming the worksheet read and those not read, or "" (one worksheet).

        The worksheet is chosen (``cases.roster.xlsx._xlsx_sheet``: the one visible worksheet that
        looks like a roster), so with several the administrator is told which, before
        confirming, and that the others (hidden ones included) are not imported.
        """
        if not self.sheets_not_read:
            return ""
        return gettext(_SHEETS) % {
            "sheet": self.sheet,
            "others": join_list(self.sheets_not_read),
        }

    @property
    def notices(self) -> list[str]:
        """What the administrator should know about an import without errors."""
        notices = (self.sheet_notice, self.ignored_notice, self.unlisted_notice)
        return [notice for notice in notices if notice]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def processed(self) -> int:
        return self.created + self.updated + self.unchanged


def _known_cooperatives(user) -> tuple[dict[tuple[str, str], int], dict[str, list[str]], set]:
    """(village, cooperative) normalised names → cooperative id; village → its cooperatives
    (for ``parse_roster``); names of villages found in more than one township. One query."""
    cooperatives = Cooperative.objects.all()
    if user is not None:
        cooperatives = cooperatives.visible_to(user)
    ids: dict[tuple[str, str], int] = {}
    by_village: dict[str, list[str]] = {}
    village_ids: dict[str, set[int]] = {}
    for pk, village_id, village, name in cooperatives.values_list(
        "pk", "village_id", "village__name", "name"
    ).order_by():
        village, name = normalize_name(village), normalize_name(name)
        ids[(village, name)] = pk
        by_village.setdefault(village, []).append(name)
        village_ids.setdefault(village, set()).add(village_id)
    ambiguous = {v for v, pks in village_ids.items() if len(pks) > 1}
    return ids, by_village, ambiguous


class _Limit(NamedTuple):
    """The bound of the model field a roster column fills."""

    column: str
    measure: Callable | None  # len for text; the value itself for numbers
    limit: int | Decimal
    message: object


def column_limits(model, fields: Mapping[str, str]) -> list[_Limit]:
    """The bounds of ``model``'s fields that the roster ``fields`` (column → field) fill: a
    text's ``max_length``, a small integer's 32767, a decimal's digits."""
    limits = []
    for column, name in fields.items():
        model_field = model._meta.get_field(name)
        if isinstance(model_field, DecimalField):
            places = model_field.decimal_places
            largest = Decimal(10) ** (model_field.max_digits - places) - Decimal(1).scaleb(-places)
            message = _TOO_BIG if column == "contracted_mu" else _TOO_LARGE
            limits.append(_Limit(column, None, largest, message))
        elif isinstance(model_field, PositiveSmallIntegerField):
            limits.append(_Limit(column, None, _SMALL_INT_MAX, _TOO_LARGE))
        elif model_field.max_length:
            limits.append(_Limit(column, len, model_field.max_length, _TOO_LONG))
    return limits


def _household_limits() -> list[_Limit]:
    return column_limits(
        Household, {"household_no": "number", "head_name": "head_name", **OPTIONAL_FIELDS}
    )


def _all_fit(rows: Sequence[NamedTuple], limits: list[_Limit], ambiguous: set[str]) -> bool:
    """Whether no row breaks a limit: one pass per column in C, the common case."""

    def largest(limit: _Limit):
        values = map(attrgetter(limit.column), rows)
        if limit.measure:
            values = map(limit.measure, values)
        return max(filter(_is_not_none, values), default=0)

    return not (ambiguous and any(row.village in ambiguous for row in rows)) and all(
        largest(limit) <= limit.limit for limit in limits
    )


def _database_problems(
    rows: Sequence[NamedTuple], headers: dict[str, str], ambiguous: set[str], limits: list[_Limit]
) -> tuple[list, list[RowError]]:
    """The rows that fit the model's columns, and the errors of the others."""
    if _all_fit(rows, limits, ambiguous):
        return list(rows), []
    good: list = []
    errors: list[RowError] = []
    for row in rows:
        problems: list[tuple[str, str]] = []
        if row.village in ambiguous:
            problems.append(("village", gettext(_AMBIGUOUS) % {"village": row.village}))
        for limit in limits:
            value = getattr(row, limit.column)
            if value is None or (limit.measure(value) if limit.measure else value) <= limit.limit:
                continue
            args = {"column": headers.get(limit.column, limit.column), "value": value}
            args |= {"length": len(value) if limit.measure else 0, "limit": limit.limit}
            problems.append((limit.column, gettext(limit.message) % args))
        if problems:
            errors.extend(RowError(row.line, headers.get(c, c), m) for c, m in problems)
        else:
            good.append(row)
    return good, errors


def read_and_check(
    parse: Callable[..., ParseResult],
    limits: list[_Limit],
    *,
    data: bytes,
    filename: str,
    user,
    encoding: str | None,
    fill_down: bool,
    dry_run: bool,
    rows_to: Callable | None = None,
) -> tuple[ImportReport, list, dict[tuple[str, str], int], set[str]]:
    """Read ``data`` with ``parse`` (a roster kind's parser) against the villages and
    cooperatives ``user`` sees, and check the rows against the model's ``limits``: the
    report (with every error so far), the valid rows, the known cooperatives' ids by
    (village, cooperative) name, and the names of villages in several townships. Raises
    ``RosterError`` for a problem with the whole file. One query: the cooperatives.

    ``rows_to``: the parser gives it each row instead of returning them, and no row is
    checked here: the caller checks them, with ``check_limits``, as it reads them back."""
    known_ids, known, ambiguous = _known_cooperatives(user)
    streamed = {} if rows_to is None else {"rows_to": rows_to}
    parsed = parse(
        data,
        filename,
        encoding=encoding,
        fill_down=fill_down,
        known_cooperatives=known,
        # Read at call time, so that a deployment (or a test) may change the limits.
        max_file_bytes=roster.MAX_FILE_BYTES,
        max_uncompressed_bytes=roster.MAX_UNCOMPRESSED_BYTES,
        **streamed,
    )
    headers = {**{c: c for c in parsed.columns}, **parsed.headers}
    rows, db_errors = _database_problems(parsed.rows, headers, ambiguous, limits)
    report = ImportReport(
        errors=sorted([*parsed.errors, *db_errors], key=lambda e: e.line),
        encoding=parsed.encoding,
        file_format=parsed.file_format,
        total_lines=parsed.total_lines,
        columns=parsed.columns,
        preview=rows[:PREVIEW_ROWS],
        dry_run=dry_run,
        ignored_columns=parsed.ignored_columns,
        headers=headers,
        sheet=parsed.sheet,
        sheets_not_read=parsed.sheets_not_read,
    )
    return report, rows, known_ids, ambiguous


def check_limits(
    report: ImportReport, rows: Sequence[NamedTuple], ambiguous: set[str], limits: list[_Limit]
) -> list:
    """The ``rows`` (read back after ``read_and_check(rows_to=…)``) that fit the model's
    columns; the others' errors go to ``report.errors``, and the first rows that fit to its
    preview."""
    good, errors = _database_problems(rows, report.headers, ambiguous, limits)
    report.errors.extend(errors)
    if len(report.preview) < PREVIEW_ROWS:
        report.preview.extend(good[: PREVIEW_ROWS - len(report.preview)])
    return good


def import_reason(filename: str) -> str:
    """The history rows' change reason, "Roster import: <file>", the file's name whole (the
    reason is text: ``SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD``)."""
    return gettext("Roster import: %(file)s") % {"file": filename}


def households_import(
    *,
    data: bytes,
    filename: str,
    user=None,
    encoding: str | None = None,
    fill_down: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    batch_size: int | None = None,
) -> ImportReport:
    """Validate a roster and, when every row is valid and not ``dry_run``, upsert it.

    Raises ``RosterError`` for a problem with the whole file (one sentence). ``progress`` is
    called with (rows processed, rows in total) after each batch. Queries: one for the known
    cooperatives, then per batch one read and, for new or changed rows, two writes each.
    """
    report, rows, known_ids, _ambiguous = read_and_check(
        parse_roster,
        _household_limits(),
        data=data,
        filename=filename,
        user=user,
        encoding=encoding,
        fill_down=fill_down,
        dry_run=dry_run,
    )
    if report.errors:
        return report

    copy = copy_writes.in_use()
    batch_size = batch_size or (copy_writes.COPY_BATCH_SIZE if copy else BATCH_SIZE)
    carried = [(c, f) for c, f in OPTIONAL_FIELDS.items() if c in report.columns]
    write = writes.HouseholdWrite(
        user=user,
        reason=import_reason(filename),
        now=timezone.now(),
        fields=["head_name", *(f for _c, f in carried)],
    )
    if progress:
        progress(0, len(rows))
    try:
        with transaction.atomic():
            for start in range(0, len(rows), batch_size):
                batch = rows[start : start + batch_size]
                created, updated = _classify(batch, known_ids, carried, report)
                if not dry_run and (created or updated):
                    (writes.copy_write if copy else writes.bulk_write)(write, created, updated)
                if progress:
                    progress(start + len(batch), len(rows))
    except (IntegrityError, writes.Conflict) as exc:  # households added or deleted meanwhile
        raise RosterError(gettext(_CONFLICT)) from exc
    return report


def _classify(
    batch: list[RosterRow],
    known_ids: dict[tuple[str, str], int],
    carried: list[tuple[str, str]],
    report: ImportReport,
) -> tuple[list[writes.Created], list[writes.Updated]]:
    """writes.Created / updated / unchanged, exactly, against the households already there.

    One query: the households of the batch's cooperatives and numbers, as plain tuples of the
    fields the file may change (no model instances: a re-import compares 100,000 of them).
    A blank cell keeps the recorded value, so a row changes a household only where it has a
    value that differs.
    """
    fields = ["head_name", *(f for _c, f in carried)]
    incoming = attrgetter("head_name", *(c for c, _f in carried))
    if not carried:
        single = incoming
        incoming = lambda row: (single(row),)  # noqa: E731 (attrgetter of one name: no tuple)
    keyed = [(known_ids[(row.village, row.cooperative)], row) for row in batch]
    numbers = list({r.household_no for r in batch})
    households = Household.objects.filter(cooperative_id__in={c for c, _row in keyed})
    if connection.vendor == "postgresql":  # one array: Django checks each `__in` value in Python
        number = f"{connection.ops.quote_name(Household._meta.db_table)}.number"
        households = households.filter(
            RawSQL(f"{number} = ANY(%s)", [numbers], output_field=BooleanField())
        )
    else:
        households = households.filter(number__in=numbers)
    existing = {
        (found[0], found[1]): found
        for found in households.order_by().values_list("cooperative_id", "number", "pk", *fields)
    }
    created: list[writes.Created] = []
    updated: list[writes.Updated] = []
    for cooperative_id, row in keyed:
        found = existing.get((cooperative_id, row.household_no))
        if found is None:
            created.append((cooperative_id, row))
            continue
        old, new = found[3:], incoming(row)
        if new == old:
            continue
        after = tuple(o if n == "" or n is None else n for o, n in zip(old, new, strict=True))
        if after != old:
            changed = {f for f, o, a in zip(fields, old, after, strict=True) if o != a}
            updated.append((found[2], after, changed))
    report.created += len(created)
    report.updated += len(updated)
    report.unchanged += len(batch) - len(created) - len(updated)
    return created, updated


# --- Admin uploads: a job checked, then imported, in the background ------------------------

MAX_STORED_ERRORS = 1000


def _upload_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _upload_path(job: ImportJob) -> Path:
    return _upload_dir() / f"{job.token}.upload"


def _progress_path(job: ImportJob) -> Path:
    return _upload_dir() / f"{job.token}.progress"


def import_job_progress(job: ImportJob) -> tuple[int, int]:
    """(rows written, rows to write) of a running import; (0, 0) while it is being checked."""
    try:
        done, total = json.loads(_progress_path(job).read_text())
    except (OSError, ValueError):
        return 0, 0
    return done, total


def _upload_hours() -> int:
    """Hours an upload (personal numbers and all) may wait for its confirmation."""
    return getattr(settings, "IMPORT_UPLOAD_HOURS", 24)


def import_jobs_expire(now=None) -> int:
    """End the jobs left waiting longer than ``IMPORT_UPLOAD_HOURS`` (checked and never
    confirmed, or stopped half-way by a server restart) and delete their uploads.

    The upload is a copy of a roster, ID and phone numbers included, and its preview and
    errors quote its rows: none of them is kept once nobody is going to import it. The job
    itself stays, failed, with a sentence saying why, so the admin's list still shows who
    uploaded what and when, expired, with a sentence saying what the check had found. Called
    at every new upload and by ``manage.py expire_import_uploads`` (for cron). Returns the
    number of jobs ended."""
    now = now or timezone.now()
    hours = _upload_hours()
    waiting = [ImportJob.Status.CHECKING, ImportJob.Status.CHECKED, ImportJob.Status.IMPORTING]
    since = now - timedelta(hours=hours)
    stale = ImportJob.objects.filter(status__in=waiting, started_at__lt=since)
    ended = 0
    for job in stale.only("pk", "token", "status", "error_count", "created", "updated"):
        claimed = ImportJob.objects.filter(pk=job.pk, status=job.status).update(
            status=ImportJob.Status.EXPIRED,
            message=_expired_message(job, hours),
            preview=[],
            errors=[],
            finished_at=now,
        )
        if claimed:
            ended += 1
            for path in (_upload_path(job), _progress_path(job)):
                path.unlink(missing_ok=True)
    return ended


def _expired_message(job: ImportJob, hours: int) -> str:
    """Why an expired job was not imported: a file with errors is to be corrected before it
    is sent again, one that changed nothing needs nothing, any other one is sent again."""
    checked = job.status == ImportJob.Status.CHECKED
    if checked and job.error_count:
        return ngettext(
            "The check found %(errors)d error. The upload and its list of errors were deleted "
            "%(hours)s hours after it was sent: correct the file, then upload it again.",
            "The check found %(errors)d errors. The upload and its list of errors were deleted "
            "%(hours)s hours after it was sent: correct the file, then upload it again.",
            job.error_count,
        ) % {"errors": job.error_count, "hours": hours}
    if checked and job.changes_nothing:
        return gettext(
            "There was nothing to import: every row was already recorded as the file has it. "
            "The upload was deleted %(hours)s hours after it was sent."
        ) % {"hours": hours}
    return gettext(
        "The upload was deleted %(hours)s hours after it was sent, without being imported; "
        "upload the file again to import it."
    ) % {"hours": hours}


def import_job_start(
    *,
    user,
    data: bytes,
    filename: str,
    encoding: str = "",
    fill_down: bool = False,
    kind: str = ImportJob.Kind.HOUSEHOLDS,
) -> ImportJob:
    """Store the upload privately and check it (a dry run) in the background; first end the
    jobs left waiting too long (``import_jobs_expire``)."""
    import_jobs_expire()
    job = ImportJob.objects.create(
        user=user, kind=kind, filename=filename[:200], encoding=encoding, fill_down=fill_down
    )
    path = _upload_path(job)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    _start(job.pk, dry_run=True)
    return job


def import_job_confirm(*, job: ImportJob, user) -> bool:
    """Import a checked job without errors that changes something; False when it is not (or no
    longer) importable."""
    claimed = (
        ImportJob.objects.filter(
            pk=job.pk, user=user, status=ImportJob.Status.CHECKED, error_count=0
        )
        .exclude(created=0, updated=0)
        .update(status=ImportJob.Status.IMPORTING)
    )
    if claimed:
        _start(job.pk, dry_run=False)
    return bool(claimed)


def _start(job_id: int, *, dry_run: bool) -> None:
    if getattr(settings, "IMPORT_JOBS_IN_THREAD", True):
        language = translation.get_language()
        threading.Thread(
            target=_run_in_thread, args=(job_id, dry_run, language), daemon=True
        ).start()
    else:
        _run(job_id, dry_run)


def _run_in_thread(job_id: int, dry_run: bool, language: str | None = None) -> None:
    """Run a job in the language of the request that started it.

    The active language is per thread: a new thread speaks ``LANGUAGE_CODE`` (Chinese), so
    without this an administrator reading the admin in English got every stored error
    message and failure sentence in Chinese.
    """
    close_old_connections()
    try:
        with translation.override(language):
            _run(job_id, dry_run)
    finally:
        connection.close()


def _run(job_id: int, dry_run: bool) -> None:
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    progress_path = _progress_path(job)

    def progress(done: int, total: int) -> None:
        tmp = progress_path.with_suffix(".tmp")
        tmp.write_text(json.dumps([done, total]))
        os.replace(tmp, progress_path)

    try:
        report = importer(job.kind)(
            data=_upload_path(job).read_bytes(),
            filename=job.filename,
            user=job.user,
            encoding=job.encoding or None,
            fill_down=job.fill_down,
            dry_run=dry_run,
            progress=None if dry_run else progress,
        )
    except RosterError as exc:
        _finish(job, ImportJob.Status.FAILED, message=str(exc))
        return
    except Exception:
        _finish(job, ImportJob.Status.FAILED, message=gettext(_FAILED))
        raise
    job.total = report.total_lines
    job.created, job.updated, job.unchanged = report.created, report.updated, report.unchanged
    job.error_count = len(report.errors)
    job.errors = [[e.line, e.column, e.message] for e in report.errors[:MAX_STORED_ERRORS]]
    job.preview = [_preview_row(row) for row in report.preview]
    if dry_run or report.errors:
        # Decision: rows valid at the check may be refused at the import (a cooperative was
        # deleted or renamed meanwhile). Nothing was written; the job goes back to "checked"
        # with its errors, which the page lists, rather than "imported: 0 created".
        message = join_sentences(report.notices) if dry_run else gettext(_CHANGED_SINCE_CHECK)
        _finish(job, ImportJob.Status.CHECKED, message=message)
    else:
        _finish(job, ImportJob.Status.DONE, message=report.unlisted_notice)


_FAILED = _("The import failed unexpectedly; nothing was written. The error has been logged.")
_CHANGED_SINCE_CHECK = _(
    "The households, members, villages or cooperatives changed after the check, and some rows "
    "are no longer valid; nothing was written."
)


def importer(kind: str) -> Callable[..., ImportReport]:
    """The import service of a kind of roster (``ImportJob.Kind``)."""
    if kind == ImportJob.Kind.MEMBERS:
        from .member_import import members_import  # it builds on this module

        return members_import
    return households_import


def _preview_row(row: NamedTuple) -> dict:
    """A valid row as JSON: blank cells "", yes / no cells true / false, the rest as text."""
    return {
        k: "" if v is None else v if isinstance(v, bool) else str(v)
        for k, v in row._asdict().items()
    }


def _finish(job: ImportJob, status: str, message: str = "") -> None:
    job.status = status
    job.message = message
    job.finished_at = timezone.now()
    job.save()
    # A checked file with errors, or one that changes nothing, is never imported: its copy
    # (personal numbers) goes too.
    finished = status in (ImportJob.Status.DONE, ImportJob.Status.FAILED)
    if finished or job.error_count or job.changes_nothing:
        for path in (_upload_path(job), _progress_path(job)):
            path.unlink(missing_ok=True)
