"""The Django admin for every model. Every changelist, change page, history page, list filter
choice and autocomplete reads through ``visible_to(request.user)``; an object out of scope is
404 (not the admin's usual redirect with "does not exist", which would confirm nothing but is
still not a 404). Personal numbers are read-only and masked for users without
``cases.view_personal_numbers``. Writes with rules go through ``cases.services``."""

from django.contrib import admin
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from . import services
from .access import may_see_personal_numbers
from .models import (
    Ballot,
    Case,
    Cooperative,
    Household,
    Meeting,
    Member,
    PartyBranch,
    Project,
    RevealLog,
    StaffProfile,
    Stage,
    Township,
    Village,
    Visit,
    Vote,
    Voter,
    sees_all_villages,
)
from .validators import mask_id_number, mask_phone

admin.site.site_header = _("Land consolidation cases")
admin.site.site_title = _("landreform")
admin.site.index_title = _("Administration")


def _scoped(model, user):
    """The model's rows visible to ``user``, or None for a model without village scope."""
    qs = model._default_manager.all()
    return qs.visible_to(user) if hasattr(qs, "visible_to") else None


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A list filter on a village-scoped relation offers only the rows the user may see."""

    def field_choices(self, field, request, model_admin):
        qs = _scoped(field.related_model, request.user)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            qs = qs.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in qs]


# Every list filter on a relation to a scoped model, in any ModelAdmin, uses the scoped filter.
admin.FieldListFilter.register(
    lambda f: bool(f.remote_field) and _scoped(f.related_model, None) is not None,
    ScopedRelatedFieldListFilter,
    take_priority=True,
)


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """Shows the label of a raw id only if the user may see that row (an invalid id typed into
    the box must not print another village's household name next to it)."""

    def __init__(self, rel, admin_site, *, visible, **kwargs):
        super().__init__(rel, admin_site, **kwargs)
        self.visible = visible

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            if not self.visible.filter(**{key: value}).exists():
                return "", ""
        except (ValueError, TypeError):
            return "", ""
        return super().label_and_url_for_value(value)


class PersonalNumbersMixin:
    """ID and phone numbers read-only and masked, in forms and lists, for users without
    ``cases.view_personal_numbers``: the form then has no such field, so not even its initial
    value reaches the page. On an add page (nothing to leak) the fields stay editable."""

    #: model field name → the masked read-only stand-in (a method below)
    MASKED = {
        "head_id_number": "masked_head_id_number",
        "id_number": "masked_id_number",
        "phone": "masked_phone",
    }

    def _masks(self, request) -> bool:
        return not may_see_personal_numbers(request.user)

    def _personal(self):
        names = {f.name for f in self.model._meta.get_fields()}
        return [name for name in self.MASKED if name in names]

    def _masked_fields(self, request, obj):
        # An inline's ``obj`` is its parent: rows of an existing parent carry numbers.
        is_inline = isinstance(self, admin.options.InlineModelAdmin)
        return self._masks(request) and (obj is not None or is_inline)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if not self._masked_fields(request, obj):
            return fields
        result = []
        for name in fields:
            name = self.MASKED.get(name, name) if name in self._personal() else name
            if name not in result:
                result.append(name)
        return result

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self._masked_fields(request, obj):
            readonly += [self.MASKED[name] for name in self._personal()]
        return readonly

    def get_list_display(self, request):
        columns = super().get_list_display(request)
        if not self._masks(request):
            return columns
        personal = self._personal()
        return [self.MASKED[c] if c in personal else c for c in columns]

    @admin.display(description=_("head's ID number"))
    def masked_head_id_number(self, obj):
        return mask_id_number(obj.head_id_number)

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj):
        return mask_id_number(obj.id_number)

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)


class ScopedAdminMixin(PersonalNumbersMixin):
    """Rows outside the user's villages do not exist for them, in lists and on change pages."""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        visible = getattr(qs, "visible_to", None)
        return visible(request.user) if visible else qs

    def get_object(self, request, object_id, from_field=None):
        """404 before any permission check: the answer is the same whether the row is in
        another village or does not exist."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        visible = _scoped(db_field.related_model, request.user)
        if visible is not None:
            kwargs.setdefault("queryset", visible)
            if db_field.name in self.raw_id_fields and "widget" not in kwargs:
                kwargs["widget"] = ScopedRawIdWidget(
                    db_field.remote_field,
                    self.admin_site,
                    visible=visible,
                    using=kwargs.get("using"),
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        visible = _scoped(db_field.related_model, request.user)
        if visible is not None:
            kwargs.setdefault("queryset", visible)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ScopedAdmin(ScopedAdminMixin, admin.ModelAdmin):
    pass


class MaskingHistoryContextHelper(HistoricalRecordContextHelper):
    """The history page's "old → new" column, with personal numbers masked as elsewhere."""

    def __init__(self, model, historical_record, *, mask: bool):
        super().__init__(model, historical_record)
        self.mask = mask

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        if self.mask and change.field in PersonalNumbersMixin.MASKED and value:
            return mask_phone(value) if change.field == "phone" else mask_id_number(value)
        return value


class ScopedHistoryAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """simple-history's pages read through the scope too: its history list falls back to the
    latest historical record, and its version page fetches the version unscoped, so both would
    show another village's household; they are 404 here. A deleted object's history is left to
    township-wide users. Reverting needs the change permission (simple-history saves a POST to
    the version page for anyone who may view the history)."""

    def _check_in_scope(self, request, object_id):
        pk_name = self.model._meta.pk.attname
        try:
            if self.get_queryset(request).filter(**{pk_name: object_id}).exists():
                return
        except (ValueError, TypeError):
            raise Http404 from None
        if (
            sees_all_villages(request.user)
            and not self.model._default_manager.filter(**{pk_name: object_id}).exists()
        ):
            return  # deleted: its history is the only trace left
        raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._check_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._check_in_scope(request, object_id)
        if request.method == "POST" and (
            not self.has_change_permission(request) or self.revert_disabled(request)
        ):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        return MaskingHistoryContextHelper(self.model, historical_record, mask=self._masks(request))


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


class MemberInline(PersonalNumbersMixin, admin.TabularInline):
    model = Member
    extra = 0
    fields = [
        "name",
        "relation",
        "id_number",
        "phone",
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
    list_display = [
        "number",
        "head_name",
        "cooperative",
        "head_id_number",
        "phone",
        "member_count",
        "contracted_mu",
    ]
    list_filter = ["cooperative__village"]
    list_select_related = ["cooperative__village"]
    search_fields = ["=number", "head_name"]
    autocomplete_fields = ["cooperative"]
    inlines = [MemberInline, CaseInlineForHousehold]
    show_full_result_count = False


@admin.register(Member)
class MemberAdmin(ScopedHistoryAdmin):
    list_display = ["name", "household", "relation", "id_number", "is_shareholder", "shares"]
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


@admin.register(Vote)
class VoteAdmin(ScopedHistoryAdmin):
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


@admin.register(Voter)
class VoterAdmin(ScopedAdmin):
    list_display = ["name", "vote", "household", "is_adult"]
    list_filter = ["vote"]
    list_select_related = ["vote", "household"]
    search_fields = ["name", "=household__number"]
    raw_id_fields = ["household", "member"]
    autocomplete_fields = ["vote"]


@admin.register(Ballot)
class BallotAdmin(ScopedHistoryAdmin):
    list_display = ["voter", "vote", "choice", "method", "cast_on", "recorded_by"]
    list_filter = ["choice", "method", "vote"]
    list_select_related = ["voter", "vote", "recorded_by"]
    search_fields = ["voter__name", "=voter__household__number"]
    raw_id_fields = ["voter"]
    autocomplete_fields = ["vote"]
    readonly_fields = ["recorded_by", "recorded_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(RevealLog)
class RevealLogAdmin(ScopedAdmin):
    """Read-only: the log is written by the reveal endpoint and never edited; township
    administrators only (``RevealLog.objects.visible_to``)."""

    list_display = ["revealed_at", "user", "subject", "field", "household", "ip_address"]
    list_filter = ["field"]
    list_select_related = ["user", "household__cooperative__village"]
    search_fields = ["subject", "user__username", "=household__number"]
    date_hierarchy = "revealed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
