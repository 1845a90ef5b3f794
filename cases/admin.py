"""The Django admin for every model. Every changelist, change page and autocomplete reads
through ``visible_to(request.user)``; writes with rules go through ``cases.services``."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy as _
from django.views.decorators.http import require_http_methods
from simple_history.admin import SimpleHistoryAdmin

from . import importing, roster, services
from .models import (
    Ballot,
    Case,
    Cooperative,
    Household,
    ImportJob,
    Meeting,
    Member,
    PartyBranch,
    ProcedureTemplate,
    Project,
    StaffProfile,
    Stage,
    StageEvidence,
    TemplateStep,
    Township,
    Village,
    Visit,
    Vote,
    Voter,
    WorkdayOverride,
)
from .procedures import township_calendar


def method_decorator_http(methods):
    """``require_http_methods`` for an admin view method (``self`` first)."""
    return method_decorator(require_http_methods(methods))


admin.site.site_header = _("Land consolidation cases")
admin.site.site_title = _("landreform")
admin.site.index_title = _("Administration")


class ScopedAdminMixin:
    """Rows outside the user's villages do not exist for them, in lists and on change pages."""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        visible = getattr(qs, "visible_to", None)
        return visible(request.user) if visible else qs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        manager_qs = related._default_manager.all()
        if hasattr(manager_qs, "visible_to"):
            kwargs.setdefault("queryset", manager_qs.visible_to(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        related = db_field.related_model
        manager_qs = related._default_manager.all()
        if hasattr(manager_qs, "visible_to"):
            kwargs.setdefault("queryset", manager_qs.visible_to(request.user))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ScopedAdmin(ScopedAdminMixin, admin.ModelAdmin):
    pass


class ScopedHistoryAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    pass


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "city"]
    search_fields = ["name"]


class CooperativeInline(admin.TabularInline):
    model = Cooperative
    extra = 0


@admin.register(Village)
class VillageAdmin(ScopedAdmin):
    list_display = ["name", "kind", "township"]
    list_filter = ["kind", "township"]
    list_select_related = ["township"]
    search_fields = ["name"]
    inlines = [CooperativeInline]


@admin.register(Cooperative)
class CooperativeAdmin(ScopedAdmin):
    list_display = ["name", "village"]
    list_filter = ["village"]
    list_select_related = ["village"]
    search_fields = ["name", "village__name"]
    autocomplete_fields = ["village"]


@admin.register(PartyBranch)
class PartyBranchAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "village", "township"]
    list_filter = ["kind", "township"]
    list_select_related = ["village", "township"]
    search_fields = ["name"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "title", "branch"]
    list_select_related = ["user", "branch"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "title"]
    autocomplete_fields = ["user", "branch"]
    filter_horizontal = ["villages"]


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0
    fields = [
        "name",
        "relation",
        "id_number",
        "birth_date",
        "is_collective_member",
        "is_shareholder",
        "shares",
        "is_villager_representative",
        "is_member_representative",
    ]


class CaseInlineForHousehold(admin.TabularInline):
    model = Case
    extra = 0
    fields = ["project", "status", "stance", "visit_count", "last_visit_on"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file"),
        help_text=_("CSV (UTF-8, GBK or GB18030) or XLSX, one household a row."),
    )
    encoding = forms.CharField(
        label=_("Encoding"),
        required=False,
        max_length=30,
        help_text=_("Leave empty to detect it; for example gbk."),
    )
    fill_down = forms.BooleanField(
        label=_("Fill down merged cells"),
        required=False,
        help_text=_("A blank village or cooperative cell takes the value of the row above."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > roster.MAX_FILE_BYTES:
            raise forms.ValidationError(
                gettext("The file is too large; the limit is %(limit)d MB.")
                % {"limit": roster.MAX_FILE_BYTES // (1024 * 1024)}
            )
        return upload


@admin.register(Household)
class HouseholdAdmin(ScopedHistoryAdmin):
    list_display = ["number", "head_name", "cooperative", "member_count", "contracted_mu"]
    list_filter = ["cooperative__village"]
    list_select_related = ["cooperative__village"]
    search_fields = ["=number", "head_name"]
    autocomplete_fields = ["cooperative"]
    inlines = [MemberInline, CaseInlineForHousehold]
    show_full_result_count = False
    change_list_template = "admin/cases/household/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_upload), name="cases_household_import"),
            path(
                "import/<int:job_id>/",
                view(self.import_job),
                name="cases_household_import_job",
            ),
            path(
                "import/<int:job_id>/status/",
                view(self.import_status),
                name="cases_household_import_status",
            ),
            *super().get_urls(),
        ]

    def _import_context(self, request, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import a household roster"),
            **extra,
        }

    def _job_for(self, request, job_id: int) -> ImportJob:
        """The user's own job; anyone else's is a 404."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        try:
            return ImportJob.objects.get(pk=job_id, user=request.user)
        except ImportJob.DoesNotExist as exc:
            raise Http404 from exc

    @method_decorator_http(["GET", "POST"])
    def import_upload(self, request):
        """Upload → (checked in the background) → the job page shows preview and errors."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = RosterUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            job = importing.import_job_start(
                user=request.user,
                data=upload.read(),
                filename=upload.name,
                encoding=form.cleaned_data["encoding"].strip(),
                fill_down=form.cleaned_data["fill_down"],
            )
            return redirect("admin:cases_household_import_job", job_id=job.pk)
        jobs = ImportJob.objects.filter(user=request.user)[:10]
        context = self._import_context(request, form=form, jobs=jobs)
        return TemplateResponse(request, "admin/cases/household/import.html", context)

    @method_decorator_http(["GET", "POST"])
    def import_job(self, request, job_id: int):
        """GET: progress, or the preview and every error. POST: confirm the import."""
        job = self._job_for(request, job_id)
        if request.method == "POST":
            if not importing.import_job_confirm(job=job, user=request.user):
                self.message_user(
                    request, gettext("This roster cannot be imported (any more)."), "error"
                )
            return redirect("admin:cases_household_import_job", job_id=job.pk)
        done, total = importing.import_job_progress(job)
        context = self._import_context(request, job=job, progress_done=done, progress_total=total)
        return TemplateResponse(request, "admin/cases/household/import_job.html", context)

    @method_decorator_http(["GET"])
    def import_status(self, request, job_id: int):
        job = self._job_for(request, job_id)
        done, total = importing.import_job_progress(job)
        return JsonResponse({"status": job.status, "done": done, "total": total})


@admin.register(Member)
class MemberAdmin(ScopedHistoryAdmin):
    list_display = ["name", "household", "relation", "is_shareholder", "shares"]
    list_filter = ["relation", "is_shareholder", "is_collective_member"]
    list_select_related = ["household__cooperative__village"]
    search_fields = ["name", "=household__number"]
    raw_id_fields = ["household"]
    show_full_result_count = False


class StageAdminForm(forms.ModelForm):
    """A stage done before its legal minimum needs a reason (``services.stage_check_done``)."""

    class Meta:
        model = Stage
        fields = "__all__"  # noqa: DJ007 - the ModelAdmin chooses the fields

    def clean(self):
        cleaned = super().clean()
        done_on = cleaned.get("done_on")
        if done_on and {"done_on", "started_on", "early_reason"} & set(self.changed_data):
            probe = Stage(
                period_kind=cleaned.get("period_kind", self.instance.period_kind),
                period_amount=cleaned.get("period_amount", self.instance.period_amount),
                period_unit=cleaned.get("period_unit", self.instance.period_unit),
            )
            try:
                services.stage_check_done(
                    stage=probe,
                    started_on=cleaned.get("started_on"),
                    done_on=done_on,
                    reason=cleaned.get("early_reason") or "",
                    calendar=township_calendar(),
                )
            except ValidationError as exc:
                errors = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.messages}
                for key, messages in errors.items():
                    field = {"reason": "early_reason"}.get(key, key)
                    self.add_error(field if field in self.fields else None, messages)
        return cleaned


class StageInline(admin.TabularInline):
    model = Stage
    form = StageAdminForm
    extra = 0
    fields = [
        "order",
        "name",
        "requirement",
        "planned_start",
        "due_on",
        "started_on",
        "done_on",
        "early_reason",
    ]
    show_change_link = True


class ProjectAdminForm(forms.ModelForm):
    procedure_template = forms.ModelChoiceField(
        queryset=ProcedureTemplate.objects.all(),
        required=False,
        label=_("procedure template"),
        help_text=_(
            "Lays out the stages of a project that has none; empty: the default template of "
            "the project's kind."
        ),
    )

    class Meta:
        model = Project
        fields = "__all__"  # noqa: DJ007 - the ModelAdmin chooses the fields


@admin.register(Project)
class ProjectAdmin(ScopedAdmin):
    form = ProjectAdminForm
    list_display = ["name", "kind", "status", "area_mu", "started_on", "ended_on"]
    list_filter = ["kind", "status", "villages"]
    search_fields = ["name"]
    filter_horizontal = ["villages"]
    autocomplete_fields = ["cooperatives"]
    inlines = [StageInline]

    def save_related(self, request, form, formsets, change):
        """Once the inline stages are saved, a project without stages gets its procedure
        (here rather than in save_model, which runs before the inlines)."""
        super().save_related(request, form, formsets, change)
        project = form.instance
        if not project.stages.exists():
            services.project_lay_out_stages(
                project=project,
                template=form.cleaned_data.get("procedure_template"),
                start=project.started_on or timezone.localdate(),
            )


class StageEvidenceInline(admin.TabularInline):
    """Read-only: evidence is added on the procedure page; the link goes through the scoped
    download view."""

    model = StageEvidence
    extra = 0
    fields = ["link", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("file"))
    def link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("evidence_file", args=[obj.pk]), obj.original_name
        )


@admin.register(Stage)
class StageAdmin(ScopedAdmin):
    form = StageAdminForm
    list_display = ["project", "order", "name", "requirement", "planned_start", "due_on", "done_on"]
    list_filter = ["project", "requirement"]
    list_select_related = ["project"]
    search_fields = ["name", "project__name"]
    autocomplete_fields = ["project"]
    raw_id_fields = ["template_step", "depends_on"]
    readonly_fields = ["done_by"]
    inlines = [StageEvidenceInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.done_on and "done_on" in form.changed_data:
            services.stage_mark_done(
                stage=obj,
                done_on=obj.done_on,
                started_on=obj.started_on,
                reason=obj.early_reason,
                user=request.user,
            )


class TemplateStepInline(admin.TabularInline):
    """The township edits its procedures here, without touching code."""

    model = TemplateStep
    extra = 0
    fields = [
        "order",
        "name_zh",
        "name_en",
        "legal_basis",
        "period_kind",
        "period_amount",
        "period_unit",
        "requirement",
        "condition",
        "depends_on",
    ]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "depends_on":
            template_id = (request.resolver_match.kwargs or {}).get("object_id")
            kwargs["queryset"] = TemplateStep.objects.filter(template_id=template_id or 0)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(ProcedureTemplate)
class ProcedureTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "project_kind", "is_default"]
    list_filter = ["project_kind", "is_default"]
    search_fields = ["name"]
    inlines = [TemplateStepInline]


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(admin.ModelAdmin):
    """工作日调整: holidays and make-up days for years the calendar library does not know."""

    list_display = ["date", "is_workday", "note"]
    list_filter = ["is_workday"]
    search_fields = ["note"]
    date_hierarchy = "date"


class VisitInline(admin.TabularInline):
    """Visits are logged through ``services.visit_record`` (the visit form or Visit admin)."""

    model = Visit
    extra = 0
    fields = ["visited_on", "place", "stance", "next_follow_up_on", "notes", "recorded_by"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ScopedHistoryAdmin):
    list_display = [
        "household",
        "project",
        "status",
        "stance",
        "visit_count",
        "last_visit_on",
        "next_follow_up_on",
    ]
    list_filter = ["project", "status", "stance", "household__cooperative__village"]
    list_select_related = ["household__cooperative__village", "project"]
    search_fields = ["=household__number", "household__head_name"]
    raw_id_fields = ["household"]
    autocomplete_fields = ["project"]
    readonly_fields = ["visit_count", "last_visit_on"]
    inlines = [VisitInline]
    show_full_result_count = False


@admin.register(Visit)
class VisitAdmin(ScopedHistoryAdmin):
    list_display = ["visited_on", "case", "place", "stance", "branch", "next_follow_up_on"]
    list_filter = ["stance", "place", "branch", "case__project"]
    list_select_related = ["case__household", "case__project", "branch"]
    search_fields = ["=case__household__number", "case__household__head_name"]
    raw_id_fields = ["case", "visitors"]
    autocomplete_fields = ["branch"]
    readonly_fields = ["recorded_by", "recorded_at"]
    date_hierarchy = "visited_on"
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            services.case_refresh_visits(case=obj.case)
            return
        visit, _created = services.visit_record(
            case=obj.case,
            recorded_by=request.user,
            visited_on=obj.visited_on,
            place=obj.place,
            stance=obj.stance,
            concerns=obj.concerns or [],
            notes=obj.notes,
            next_follow_up_on=obj.next_follow_up_on,
            branch=obj.branch,
        )
        obj.pk = visit.pk
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not form.instance.visitors.exists():
            form.instance.visitors.add(request.user)


@admin.register(Meeting)
class MeetingAdmin(ScopedAdmin):
    list_display = ["held_on", "kind", "project", "village", "attendance"]
    list_filter = ["kind", "project"]
    list_select_related = ["project", "village"]
    search_fields = ["summary", "place", "project__name"]
    autocomplete_fields = ["project", "village", "branch"]


class BallotInline(admin.TabularInline):
    model = Ballot
    extra = 0
    fields = ["voter", "choice", "method", "proxy_name", "cast_on", "recorded_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


def _vote_is(vote, *statuses) -> bool:
    return vote is not None and vote.status in statuses


@admin.register(Vote)
class VoteAdmin(ScopedHistoryAdmin):
    """Set-up changes only while draft; an opened, closed or certified vote is read-only
    (open, close and certify on the vote's page, through ``services``)."""

    list_display = ["subject", "village", "cooperative", "rule_code", "basis", "status", "opens_on"]
    list_filter = ["status", "rule_code", "basis", "village"]
    list_select_related = ["village", "cooperative"]
    search_fields = ["subject"]
    autocomplete_fields = ["project", "village", "cooperative", "meeting"]
    readonly_fields = [
        "status",
        "opened_by",
        "opened_at",
        "closed_at",
        "certified_by",
        "certified_at",
    ]
    inlines = [BallotInline]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status != Vote.Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != Vote.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        services.vote_update(vote=obj, user=request.user)


@admin.register(Voter)
class VoterAdmin(ScopedAdmin):
    """The roll is frozen by ``services.vote_open``: read-only here."""

    list_display = ["name", "vote", "household", "is_adult"]
    list_filter = ["vote"]
    list_select_related = ["vote", "household"]
    search_fields = ["name", "=household__number"]
    raw_id_fields = ["household", "member"]
    autocomplete_fields = ["vote"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BallotCorrectionAdminForm(forms.ModelForm):
    reason = forms.CharField(label=_("reason for the correction"), max_length=200)

    class Meta:
        model = Ballot
        fields = ["choice", "method", "proxy_name", "proxy_member"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        ballot = self.instance
        services.ballot_check(
            vote=ballot.vote,
            voter=ballot.voter,
            choice=data["choice"],
            method=data["method"],
            proxy_name=data.get("proxy_name", ""),
            proxy_member=data.get("proxy_member"),
        )
        return data


@admin.register(Ballot)
class BallotAdmin(ScopedHistoryAdmin):
    """Ballots are entered on the ballot sheet (``services.ballot_cast_many``); here they can
    only be corrected, with a reason, while their vote is open (``services.ballot_correct``)."""

    form = BallotCorrectionAdminForm
    list_display = ["voter", "vote", "choice", "method", "cast_on", "recorded_by"]
    list_filter = ["choice", "method", "vote"]
    list_select_related = ["voter", "vote", "recorded_by"]
    search_fields = ["voter__name", "=voter__household__number"]
    raw_id_fields = ["proxy_member"]
    readonly_fields = ["vote", "voter", "cast_on", "recorded_by", "recorded_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and not _vote_is(obj.vote, Vote.Status.OPEN):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        services.ballot_correct(
            ballot=obj,
            choice=data["choice"],
            method=data["method"],
            proxy_name=data["proxy_name"],
            proxy_member=data["proxy_member"],
            reason=data["reason"],
            user=request.user,
        )
