from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _, gettext_lazy

from cases import roster
from cases.importing import ImportReport, RosterError, households_import

#: A progress bar is shown for files with more rows than this.
PROGRESS_FROM_ROWS = 5000
_BAR_WIDTH = 30


class ProgressBar:
    """A ``\\r`` bar on a terminal; in a log, one line per 10% (never a line per row)."""

    def __init__(self, stdout):
        self.stdout = stdout
        self.tty = stdout.isatty()
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        if total < PROGRESS_FROM_ROWS:
            return
        percent = done * 100 // total
        step = 5 if self.tty else 10
        if percent // step == self.shown // step and done != total:
            return
        self.shown = percent
        if self.tty:
            filled = _BAR_WIDTH * done // total
            bar = "#" * filled + "." * (_BAR_WIDTH - filled)
            end = "\n" if done == total else ""
            self.stdout.write(f"\r[{bar}] {percent:3d}%  {done}/{total}", ending=end)
            self.stdout.flush()
        else:
            self.stdout.write(f"{percent:3d}%  {done}/{total}")


class Command(BaseCommand):
    """``import_members`` is the same command with the member roster's service."""

    help = (
        "Import a household roster (CSV in UTF-8, UTF-8 with BOM, GBK or GB18030, or XLSX; "
        "Chinese or English headers). Upserts on (village, cooperative, household number). "
        "If any row is invalid, nothing is written and every bad row is listed."
    )
    fill_down_help = "a blank village / cooperative cell (a merged cell) takes the value above"
    importer = staticmethod(households_import)
    # Counted in households (户); the member command counts people (人).
    dry_run_summary = gettext_lazy(
        "Dry run of %(file)s, nothing written: %(created)d would be created, "
        "%(updated)d updated, %(unchanged)d unchanged."
    )
    summary = gettext_lazy(
        "Imported %(file)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the roster, .csv or .xlsx")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--fill-down", action="store_true", help=self.fill_down_help)
        parser.add_argument("--encoding", help="the CSV's encoding, e.g. gbk (default: detect)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        data = self._read(path)
        try:
            report = self.importer(
                data=data,
                filename=path.name,
                user=None,
                encoding=options["encoding"],
                fill_down=options["fill_down"],
                dry_run=options["dry_run"],
                progress=ProgressBar(self.stdout),
            )
        except RosterError as exc:
            raise CommandError(f"{path.name}: {exc}") from None
        if not report.ok:
            self._report_errors(report)
            raise CommandError(
                _("%(file)s: %(rows)d of %(total)d rows have errors; nothing was written.")
                % {
                    "file": path.name,
                    "rows": len({e.line for e in report.errors}),
                    "total": report.total_lines,
                }
            )
        self._summary(report, path.name)

    def _read(self, path: Path) -> bytes:
        try:
            size = path.stat().st_size
            if size > roster.MAX_FILE_BYTES:
                raise CommandError(
                    _("%(file)s is too large (%(size)d bytes); the limit is %(limit)d bytes.")
                    % {"file": path.name, "size": size, "limit": roster.MAX_FILE_BYTES}
                )
            return path.read_bytes()
        except IsADirectoryError:
            raise CommandError(_("%(file)s is a folder, not a file.") % {"file": path}) from None
        except FileNotFoundError:
            raise CommandError(_("There is no file %(file)s.") % {"file": path}) from None
        except OSError as exc:
            raise CommandError(
                _("%(file)s cannot be read: %(reason)s.") % {"file": path, "reason": exc.strerror}
            ) from None

    def _report_errors(self, report: ImportReport) -> None:
        for error in report.errors:
            self.stderr.write(
                _("line %(line)d, %(column)s: %(message)s")
                % {"line": error.line, "column": error.column, "message": error.message}
            )

    def _summary(self, report: ImportReport, filename: str) -> None:
        counts = {
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        }
        message = self.dry_run_summary if report.dry_run else self.summary
        self.stdout.write(self.style.SUCCESS(message % {"file": filename, **counts}))
        if report.encoding:
            self.stdout.write(_("Read as %(encoding)s.") % {"encoding": report.encoding})
        for notice in report.notices:
            self.stdout.write(self.style.WARNING(notice))
