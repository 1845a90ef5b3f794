"""The Django admin for every model. Every changelist, change page and autocomplete reads
through ``visible_to(request.user)``; writes with rules go through ``cases.services``."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import (
    Ballot,
    Case,
    Cooperative,
    Household,
    Meeting,
    Member,
    PartyBranch,
    Project,
    StaffProfile,
    Stage,
    Township,
    Village,
    Visit,
    Vote,
    Voter,
)

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


@admin.register(Household)
class HouseholdAdmin(ScopedHistoryAdmin):
    list_display = ["number", "head_name", "cooperative", "member_count", "contracted_mu"]
    list_filter = ["cooperative__village"]
    list_select_related = ["cooperative__village"]
    search_fields = ["=number", "head_name"]
    autocomplete_fields = ["cooperative"]
    inlines = [MemberInline, CaseInlineForHousehold]
    show_full_result_count = False


@admin.register(Member)
class MemberAdmin(ScopedHistoryAdmin):
    list_display = ["name", "household", "relation", "is_shareholder", "shares"]
    list_filter = ["relation", "is_shareholder", "is_collective_member"]
    list_select_related = ["household__cooperative__village"]
    search_fields = ["name", "=household__number"]
    raw_id_fields = ["household"]
    show_full_result_count = False


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0
    fields = ["order", "name", "legal_basis", "planned_start", "due_on", "started_on", "done_on"]


@admin.register(Project)
class ProjectAdmin(ScopedAdmin):
    list_display = ["name", "kind", "status", "area_mu", "started_on", "ended_on"]
    list_filter = ["kind", "status", "villages"]
    search_fields = ["name"]
    filter_horizontal = ["villages"]
    autocomplete_fields = ["cooperatives"]
    inlines = [StageInline]


@admin.register(Stage)
class StageAdmin(ScopedAdmin):
    list_display = ["project", "order", "name", "planned_start", "due_on", "done_on"]
    list_filter = ["project"]
    list_select_related = ["project"]
    search_fields = ["name", "project__name"]
    autocomplete_fields = ["project"]


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
