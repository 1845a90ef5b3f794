from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _, ngettext

from cases.models import Case, Project
from cases.services.integrity import figures_check, figures_repair
from cases.wording import join_sentences

from .import_households import ProgressBar


class Command(BaseCommand):
    help = (
        "Check that every case's visit figures (visits, last visit, stance, follow-up, status) "
        "and every visit's project and village agree with what they are computed from. Exits "
        "non-zero when something differs, naming each case; --fix recomputes them (a history "
        "row each). Safe to run from cron, and after any change made outside the app."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--project", type=int, action="append", help="only this project's cases (repeatable)"
        )
        parser.add_argument(
            "--fix", action="store_true", help="recompute what differs from the visits"
        )
        parser.add_argument(
            "--show", type=int, default=20, help="cases listed by name (default 20)"
        )

    def handle(self, *args, project=None, fix=False, show=20, **options):
        cases = Case.objects.all()
        if project:
            missing = set(project) - set(
                Project.objects.filter(pk__in=project).values_list("pk", flat=True)
            )
            if missing:
                raise CommandError(
                    _("No project with id %(ids)s.")
                    % {"ids": ", ".join(str(pk) for pk in sorted(missing))}
                )
            cases = cases.filter(project_id__in=project)
        report = figures_check(cases, progress=ProgressBar(self.stdout))
        self.stdout.write(
            _("Checked %(cases)d cases and %(visits)d visits.")
            % {"cases": report.cases, "visits": report.visits}
        )
        if not report.drifts:
            self.stdout.write(self.style.SUCCESS(_("Every figure agrees with the visits.")))
            return
        self._list(report.drifts[:show])
        if len(report.drifts) > show:
            self.stdout.write(_("… and %(n)d more.") % {"n": len(report.drifts) - show})
        cases_n, visits_n = report.cases_with_figures, report.stale_visits
        summary = "{}; {}.".format(
            ngettext(
                "%(n)d case keeps figures that differ from its visits",
                "%(n)d cases keep figures that differ from their visits",
                cases_n,
            )
            % {"n": cases_n},
            ngettext(
                "%(n)d visit keeps another project or village than its case's",
                "%(n)d visits keep another project or village than their case's",
                visits_n,
            )
            % {"n": visits_n},
        )
        if not fix:
            raise CommandError(
                join_sentences([summary, _("Run again with --fix to recompute them.")])
            )
        self.stdout.write(summary)
        saved = figures_repair(report.drifts)
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "Recomputed %(n)d case from its visits",
                    "Recomputed %(n)d cases from their visits",
                    saved,
                )
                % {"n": saved}
                + "; "
                + ngettext(
                    "%(n)d visit given its case's project and village again.",
                    "%(n)d visits given their case's project and village again.",
                    visits_n,
                )
                % {"n": visits_n}
            )
        )

    def _list(self, drifts) -> None:
        cases = Case.objects.select_related("household", "project").in_bulk(
            [d.case_id for d in drifts]
        )
        for drift in drifts:
            case = cases.get(drift.case_id)
            if case is None:
                continue
            parts = [
                f"{Case._meta.get_field(name).verbose_name} {kept} → {computed}"
                for name, (kept, computed) in drift.figures.items()
            ]
            if drift.stale_visits:
                parts.append(
                    ngettext(
                        "%(n)d visit out of its case's project or village",
                        "%(n)d visits out of their case's project or village",
                        drift.stale_visits,
                    )
                    % {"n": drift.stale_visits}
                )
            self.stdout.write(
                f"  #{case.pk} {case.household} · {case.project.name}: {'; '.join(parts)}"
            )
