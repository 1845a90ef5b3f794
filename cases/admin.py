"""The Django admin for every model. Every changelist, change page, history page, list filter
choice and autocomplete reads through ``visible_to(request.user)``; an object out of scope is
404 (not the admin's usual redirect with "does not exist", which would confirm nothing but is
still not a 404). Personal numbers are read-only and masked for users without
``cases.view_personal_numbers``. Writes with rules go through ``cases.services``."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.admin.widgets import FilteredSelectMultiple, ForeignKeyRawIdWidget
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission
from django.contrib.humanize.templatetags.humanize import intcomma
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import connections, transaction
from django.db.models import Count, F, Lookup, Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.text import capfirst, format_lazy, smart_split, unescape_string_literal
from django.utils.translation import gettext, gettext_lazy as _, ngettext, pgettext_lazy
from django.views.decorators.http import require_http_methods
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from . import audit, importing, roles, roster, services
from .access import id_number_for, may_see_personal_numbers, phone_for
from .forms import HolidayNoticeForm
from .forms.casework import add_errors_beside_fields, concerns_field
from .models import (
    VISIT_HISTORY,
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
    RevealLog,
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
    sees_all_villages,
)
from .pagination import EstimatedCountPaginator
from .procedures import township_calendar
from .templatetags.landreform import person
from .validators import mask_id_number, mask_phone
from .wording import join_list, join_sentences


def method_decorator_http(methods):
    """``require_http_methods`` for an admin view method (``self`` first)."""
    return method_decorator(require_http_methods(methods))


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

    def lookup_allowed(self, lookup, value, request=None):
        """No filter on a personal number for users who see it masked: the changelist allows
        any lookup on the model's own fields, and ``?phone__startswith=1381`` answered
        "found" or "not found" would tell the hidden digits one request at a time."""
        if (
            request is not None
            and self._masks(request)
            and set(lookup.split("__")) & set(self.MASKED)
        ):
            return False
        return super().lookup_allowed(lookup, value, request)

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


class ConstraintErrorsForm(forms.ModelForm):
    """A row refused by one of the model's check constraints, told beside the field it is about.

    Django puts a constraint's refusal above the form, and without its message as "Constraint
    “household_contracted_mu_gte_0” is violated.", a name nobody at the township can act on.
    The models' constraints a form can break say why in words (``violation_error_message``)
    and name the field it belongs beside as their ``violation_error_code``."""

    def _post_clean(self):
        super()._post_clean()
        refused = self._errors.pop(NON_FIELD_ERRORS, None)
        if refused is None:
            return
        for error in refused.as_data():
            if error.code in self.fields and error.code not in self._errors:
                self.add_error(error.code, error)
            else:
                self.add_error(None, error)


class ScopedAdminMixin(PersonalNumbersMixin):
    """Rows outside the user's villages do not exist for them, in lists and on change pages."""

    form = ConstraintErrorsForm

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
    """The history page's "old → new" column, with personal numbers masked as elsewhere, and
    people (a visit's visitors) by name, as on the household page, not by username."""

    def __init__(self, model, historical_record, *, mask: bool):
        super().__init__(model, historical_record)
        self.mask = mask

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        if isinstance(value, list):  # a many-to-many field's related objects
            user_model = get_user_model()
            return [person(v) if isinstance(v, user_model) else v for v in value]
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
        """A revert is a change of the row as it is now: it needs the change permission for
        that row (a closed vote, a closed vote's ballot are not changeable), not only for the
        model; the old version's own state would say "draft" or "open"."""
        self._check_in_scope(request, object_id)
        if request.method == "POST":
            current = (
                self.get_queryset(request)
                .filter(**{self.model._meta.pk.attname: object_id})
                .first()
            )  # None: deleted, township-wide users only (``_check_in_scope``)
            if not self.has_change_permission(request, current) or self.revert_disabled(
                request, current
            ):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        return MaskingHistoryContextHelper(self.model, historical_record, mask=self._masks(request))


class BigTableAdminMixin:
    """Changelists of tables with millions of rows (a district): the unfiltered count is the
    planner's estimate and a filtered one stops at a cap (``EstimatedCountPaginator``), the
    total is never counted, and ``ordering`` names columns (``cooperative_id``) so that the
    page is read along an index instead of sorting every row by the related models' own
    orderings. The templates in ``templates/admin/cases/`` say "about" and "more than"."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    # Facets ("show counts" beside each filter) count every row once per filter: 15 s for the
    # visits of a district of a million households (docs/PERFORMANCE.md).
    show_facets = admin.ShowFacets.NEVER

    def changelist_view(self, request, extra_context=None):
        """Django's view; "all selected" says how many as the count does."""
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        paginator = getattr(context.get("cl"), "paginator", None)
        if not isinstance(paginator, EstimatedCountPaginator):
            return response
        values = {"name": self.model._meta.verbose_name_plural}
        if paginator.capped:
            note = gettext("All matching %(name)s selected (more than %(cap)s)")
            context["selection_note_all"] = note % (values | {"cap": intcomma(paginator.cap)})
        elif paginator.estimated:
            note = gettext("All matching %(name)s selected (about %(count)s)")
            context["selection_note_all"] = note % (values | {"count": intcomma(paginator.count)})
        return response

    def get_search_results(self, request, queryset, search_term):
        """Each search field is its own subquery, and the matches are their union: Django's
        one OR across joined tables (member name OR household number) cannot use an index
        and reads every row; each part alone uses its trigram index (``scale_`` migration).
        Terms are split and quoted as Django does; every term must match."""
        fields = self.get_search_fields(request)
        if not fields or not search_term.strip():
            return super().get_search_results(request, queryset, search_term)
        rows = self.model._default_manager.order_by()
        for bit in smart_split(search_term):
            if bit[:1] in ('"', "'") and bit[-1:] == bit[:1]:
                bit = unescape_string_literal(bit)
            parts = [rows.filter(**{_search_lookup(f): bit}).values("pk") for f in fields]
            matches = parts[0].union(*parts[1:])
            if connections[queryset.db].vendor == "postgresql":
                # "pk = ANY(ARRAY(…))": the matches are collected first, then fetched by
                # primary key; "pk IN (…)" lets the planner hash-join against every row.
                queryset = queryset.filter(_AnyOf(F("pk"), ArraySubquery(matches)))
            else:
                queryset = queryset.filter(pk__in=matches)
        return queryset, False


class _AnyOf(Lookup):
    """``lhs = ANY(rhs)``, with ``rhs`` an array (``ArraySubquery``); PostgreSQL only."""

    lookup_name = "any_of"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = compiler.compile(self.rhs)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def _search_lookup(field: str) -> str:
    """The admin's search prefixes: "=" exact (case-insensitive), "^" starts with."""
    if field.startswith("="):
        return f"{field[1:]}__iexact"
    if field.startswith("^"):
        return f"{field[1:]}__istartswith"
    return f"{field}__icontains"


admin.site.unregister(get_user_model())
admin.site.unregister(Group)


def user_by_name(model, name: str):
    """A read-only field or column naming the user in ``name`` as the app's pages do
    (``person``: 黄立新), not by Django's ``str()``, the username ("ym01"): who recorded a
    ballot, opened a vote, looked at an ID number. Set on the admin as ``<name>_name``; the
    field itself is then left out of the form (``exclude``) or of ``fields``."""

    @admin.display(description=model._meta.get_field(name).verbose_name, ordering=name)
    def shown(self, obj):
        user = getattr(obj, name)
        return person(user) if user is not None else self.get_empty_value_display()

    return shown


def _permissions_named(field):
    """A list of permissions (a role's, a user's) named in the page's language
    (``roles.permission_label``), not by the English name Django stored."""
    if field is not None and field.queryset.model is Permission:
        field.label_from_instance = roles.permission_label
    return field


@admin.register(Group)
class RoleAdmin(GroupAdmin):
    """Django's group admin for the roles (``cases.roles``): each listed by its role's name
    in the page's language beside the group's own (its code), its permissions named alike."""

    list_display = ["role", "name"]

    @admin.display(description=_("Role"), ordering="name")
    def role(self, obj):
        return roles.group_label(obj)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return _permissions_named(super().formfield_for_manytomany(db_field, request, **kwargs))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """The page is headed by the role's name, not its code ("township_staff | 修改 组")."""
        if obj is not None:
            context["subtitle"] = roles.group_label(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)


class RoleListFilter(admin.RelatedFieldListFilter):
    """The user list's filter by group, each named as its role (``roles.group_label``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("role")

    def field_choices(self, field, request, model_admin):
        groups = field.related_model.objects.order_by("name")
        return [(group.pk, roles.group_label(group)) for group in groups]


class StaffProfileForm(forms.ModelForm):
    """A person's place in the township. A person whose roles see only the villages in scope
    (a village cadre) must have at least one: with none they would see nothing, anywhere.

    ``needs_villages``: whether that holds, as the user page knows it from the roles being
    saved with the profile; ``None`` (the staff-profile page) reads the user's recorded roles.
    """

    class Meta:
        model = StaffProfile
        fields = "__all__"  # noqa: DJ007 - the ModelAdmin chooses the fields

    def __init__(self, *args, needs_villages: bool | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_villages = needs_villages

    def has_changed(self):
        """A new profile is saved even when left blank: the visit form offers as visitors only
        people with a profile, and every account made on the user page should be one."""
        return self.instance._state.adding or super().has_changed()

    def clean(self):
        cleaned = super().clean()
        needs = self.needs_villages
        user = cleaned.get("user") or getattr(self.instance, "user", None)
        if needs is None and user is not None and user.pk:
            needs = roles.needs_villages_in_scope(user.groups.all(), is_superuser=user.is_superuser)
        if needs and "villages" in self.fields and not cleaned.get("villages"):
            self.add_error(
                "villages",
                _(
                    "A village cadre sees only the villages in scope: choose at least one, or a "
                    "role that sees every village."
                ),
            )
        return cleaned


class StaffProfileInline(ScopedAdminMixin, admin.StackedInline):
    """The staff profile on the user's add and change pages, so that an account, its role
    and its villages are made in one save. Township administrators only (the profile's own
    permissions); villages offered in the administrator's scope, the phone masked for those
    who may not see it (``ScopedAdminMixin``)."""

    model = StaffProfile
    form = StaffProfileForm
    fields = ["villages", "branch", "title", "phone"]
    filter_horizontal = ["villages"]
    autocomplete_fields = ["branch"]
    can_delete = False
    min_num = max_num = 1
    extra = 0


#: Django's ``is_staff``, "staff status" (工作人员状态), read as the township staff role
#: (镇工作人员); what it grants is the admin.
ADMIN_ACCESS = _("May use the admin")


class AdminAccessListFilter(admin.BooleanFieldListFilter):
    """The ``is_staff`` filter under the name it has on this admin (``ADMIN_ACCESS``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = ADMIN_ACCESS


@admin.register(get_user_model())
class TownshipUserAdmin(UserAdmin):
    """Django's user admin, for township administrators who manage accounts and roles
    (``auth.change_user``) without being superusers: superuser status and single permissions
    stay read-only for them, and a superuser's account (its password included) is not theirs
    to change; otherwise any of them could make themselves superuser, or take over one."""

    SUPERUSER_ONLY = ["is_superuser", "user_permissions"]
    # Read-only to the others, single permissions are named in the page's language: Django
    # shows a read-only many-to-many field as its rows' str(), the English stored ("Can add case").
    SHOWN_AS = {"user_permissions": "single_permissions"}
    # The name as written in Chinese and the role, rather than Django's e-mail (unused here)
    # and "first name", "last name" columns, which read "立新 黄".
    list_display = ["username", "name", "role", "is_active", "may_use_admin"]
    list_filter = [
        ("is_staff", AdminAccessListFilter),
        "is_superuser",
        "is_active",
        ("groups", RoleListFilter),
    ]
    inlines = [StaffProfileInline]
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (_("Permissions"), {"fields": ("is_staff", "groups")}),
    )

    def get_queryset(self, request):
        """Each person's roles read with the page (``role``), not one query a row."""
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=pgettext_lazy("person", "name"), ordering="last_name")
    def name(self, obj):
        return person(obj)

    @admin.display(description=_("Role"))
    def role(self, obj):
        return join_list(roles.group_label(group) for group in obj.groups.all()) or "—"

    @admin.display(description=ADMIN_ACCESS, boolean=True, ordering="is_staff")
    def may_use_admin(self, obj):
        return obj.is_staff

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "is_staff":
            field.label = ADMIN_ACCESS
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":  # the roles by name, not by code
            kwargs["widget"] = FilteredSelectMultiple(_("roles"), is_stacked=False)
            field = super().formfield_for_manytomany(db_field, request, **kwargs)
            field.label = _("Role")
            field.help_text = _(
                "One role a person. Village cadres see only their villages in scope (below); "
                "the other roles see every village."
            )
            field.label_from_instance = roles.group_label
            return field
        return _permissions_named(super().formfield_for_manytomany(db_field, request, **kwargs))

    def get_formset_kwargs(self, request, obj, inline, prefix):
        """The staff profile is checked against the roles saved with it, as posted (the
        user's form is not yet valid when the formsets are built)."""
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if request.method == "POST" and isinstance(inline, StaffProfileInline):
            kwargs["form_kwargs"] = {"needs_villages": self._posted_needs_villages(request, obj)}
        return kwargs

    def _posted_needs_villages(self, request, user) -> bool:
        """``roles.needs_villages_in_scope`` for the roles and superuser status being saved:
        the posted ones where the page lets this administrator change them, else the user's."""
        editable = set(flatten_fieldsets(self.get_fieldsets(request, user))) - set(
            self.get_readonly_fields(request, user)
        )
        recorded = user is not None and user.pk is not None
        if "groups" in editable:
            ids = [pk for pk in request.POST.getlist("groups") if pk.isdigit()]
            groups = Group.objects.filter(pk__in=ids)
        else:
            groups = user.groups.all() if recorded else Group.objects.none()
        if "is_superuser" in editable:
            superuser = bool(request.POST.get("is_superuser"))
        else:
            superuser = recorded and user.is_superuser
        return roles.needs_villages_in_scope(groups, is_superuser=superuser)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            shown = [self.SHOWN_AS.get(name, name) for name in self.SUPERUSER_ONLY]
            readonly += [name for name in shown if name not in readonly]
        return readonly

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (name, {**options, "fields": [self.SHOWN_AS.get(f, f) for f in options["fields"]]})
            for name, options in fieldsets
        ]

    @admin.display(description=get_user_model()._meta.get_field("user_permissions").verbose_name)
    def single_permissions(self, obj):
        permissions = obj.user_permissions.select_related("content_type")
        return join_list(roles.permission_label(p) for p in permissions) or "—"

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        """No one named in the records is deleted (``audit.user_is_named_in_records``): the
        visits, history and imports would lose who did them. Untick "active" instead."""
        if obj is not None and self._named_in_records(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    @staticmethod
    def _named_in_records(request, user) -> bool:
        """``audit.user_is_named_in_records``, read once per request and user: the change page
        asks it for its notice and again for its delete link (up to ten queries each)."""
        known = request.__dict__.setdefault("_named_in_records", {})
        if user.pk not in known:
            known[user.pk] = audit.user_is_named_in_records(user)
        return known[user.pk]

    def get_actions(self, request):
        """No bulk delete: it would not ask, account by account, what the records name."""
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def change_view(self, request, object_id, form_url="", extra_context=None):
        user = self.get_object(request, object_id)
        if request.method == "GET" and user is not None and self._named_in_records(request, user):
            messages.info(
                request,
                _(
                    "This person is named in visits or in the history, so the account cannot "
                    "be deleted: untick “active” to close it."
                ),
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "city"]
    search_fields = ["name"]


class LabelledRowsFormSet(forms.BaseInlineFormSet):
    """An inline formset whose every box is named for a screen reader: a tabular inline shows
    no ``<label>``, only the column header, so that each box was announced as an unlabelled
    edit field. Each gets ``aria-label`` "<column> <row>" ("姓名，第 2 行"), and those of the
    blank row the "Add another" link copies "<column>, new row" (Django's inlines.js renumbers
    ids and names, not labels)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for field in form.fields.values():
            if field.widget.is_hidden:
                continue
            if index is None:
                name = format_lazy(_("{column}, new row"), column=capfirst(field.label))
            else:
                name = format_lazy(
                    _("{column}, row {row}"), column=capfirst(field.label), row=index + 1
                )
            # A related field's wrapper shares its attrs with the class's widget, not this
            # form's copy: name the widget it wraps.
            widget = getattr(field.widget, "widget", field.widget)
            widget.attrs["aria-label"] = name


class TabularInline(admin.TabularInline):
    """Django's, its boxes named for screen readers (``LabelledRowsFormSet``)."""

    formset = LabelledRowsFormSet
    form = ConstraintErrorsForm


class CooperativeInline(TabularInline):
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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "village" in form.changed_data:  # moved: its households' visits follow
            services.visits_follow_cases(Case.objects.filter(household__cooperative=obj))


@admin.register(PartyBranch)
class PartyBranchAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "village", "township"]
    list_filter = ["kind", "township"]
    list_select_related = ["village", "township"]
    search_fields = ["name"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    """Everyone's place in the township at a glance. Kept beside the user page's profile
    (``StaffProfileInline``, where accounts are made): the same form and rules."""

    form = StaffProfileForm
    list_display = ["user_name", "title", "branch"]
    user_name = user_by_name(StaffProfile, "user")
    list_select_related = ["user", "branch"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "title"]
    autocomplete_fields = ["user", "branch"]
    filter_horizontal = ["villages"]


class MemberInline(PersonalNumbersMixin, TabularInline):
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


class CaseInlineForHousehold(TabularInline):
    model = Case
    extra = 0
    fields = ["project", "status", "stance", "visit_count", "last_visit_on"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


#: What a user needs to import each kind of roster: what the admin needs to add those rows
#: by hand (members are added and changed on their household's page).
IMPORT_PERMISSIONS = {
    ImportJob.Kind.HOUSEHOLDS: ("cases.add_household",),
    ImportJob.Kind.MEMBERS: ("cases.add_member", "cases.change_member", "cases.change_household"),
}


def importable_kinds(user) -> list[str]:
    """The kinds of roster ``user`` may import (``IMPORT_PERMISSIONS``)."""
    return [kind for kind, perms in IMPORT_PERMISSIONS.items() if user.has_perms(perms)]


class RosterUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of roster"),
        choices=ImportJob.Kind.choices,
        widget=forms.RadioSelect,
        required=False,  # a form without the choice (an old page) uploads households
    )
    file = forms.FileField(
        label=_("Roster file"),
        help_text=_("CSV (UTF-8, GBK or GB18030) or XLSX: one household, or one person, a row."),
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
        help_text=_(
            "A blank village or cooperative cell takes the value of the row above (in a member "
            "roster, a blank household number and head too)."
        ),
    )

    KIND_LABELS = {
        ImportJob.Kind.HOUSEHOLDS: _("Households (户花名册): one household a row"),
        ImportJob.Kind.MEMBERS: _("Members (成员名册 / 股东名册): one person a row"),
    }

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, self.KIND_LABELS[kind]) for kind in kinds]
        self.kinds = kinds

    def clean_kind(self):
        kind = self.cleaned_data["kind"] or ImportJob.Kind.HOUSEHOLDS
        if kind not in self.kinds:
            raise forms.ValidationError(gettext("You may not import this kind of roster."))
        return kind

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > roster.MAX_FILE_BYTES:
            raise forms.ValidationError(
                gettext("The file is too large; the limit is %(limit)d MB.")
                % {"limit": roster.MAX_FILE_BYTES // (1024 * 1024)}
            )
        return upload


#: Enrolling households in a project creates their cases.
ENROL_PERMISSION = "cases.add_case"


class EnrolInProjectForm(forms.Form):
    """The household action's choice of project, among those given (``projects_covering``).
    Each choice says how many of the ``count`` selected households it would enrol and how
    many already have a case in it (``enrolled``: project id → households), so a cadre sees
    before confirming that a project holds them all already."""

    project = forms.TypedChoiceField(
        label=_("project"), coerce=int, widget=forms.RadioSelect, choices=()
    )

    def __init__(self, *args, projects, count, enrolled, **kwargs):
        super().__init__(*args, **kwargs)
        self.projects = {p.pk: p for p in projects}
        self.fields["project"].choices = [
            (p.pk, self.choice_label(p, count, enrolled.get(p.pk, 0))) for p in projects
        ]

    @staticmethod
    def choice_label(project, count, enrolled):
        to_enrol = count - enrolled
        if not to_enrol:
            counts = gettext("all already have a case in it: nothing to enrol")
        else:
            counts = ngettext(
                "%(count)d household to enrol", "%(count)d households to enrol", to_enrol
            ) % {"count": to_enrol}
            if enrolled:
                counts = gettext("%(to_enrol)s, %(enrolled)s") % {
                    "to_enrol": counts,
                    "enrolled": ngettext(
                        "%(count)d already has a case in it",
                        "%(count)d already have a case in it",
                        enrolled,
                    )
                    % {"count": enrolled},
                }
        return gettext("%(project)s (%(counts)s)") % {"project": project.name, "counts": counts}

    def clean_project(self):
        return self.projects[self.cleaned_data["project"]]


class EnrolCooperativesForm(forms.Form):
    """The project enrolment page's ticked cooperatives, among those the user may see."""

    cooperatives = forms.ModelMultipleChoiceField(
        queryset=Cooperative.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one cooperative.")},
    )

    def __init__(self, *args, cooperatives, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cooperatives"].queryset = cooperatives


IMPORT_TITLES = {
    ImportJob.Kind.HOUSEHOLDS: _("Import a household roster"),
    ImportJob.Kind.MEMBERS: _("Import a member roster"),
}

#: The preview's columns for each kind of roster: (key of the stored row, label).
PREVIEW_COLUMNS = {
    ImportJob.Kind.HOUSEHOLDS: [
        ("village", _("village")),
        ("cooperative", _("cooperative")),
        ("household_no", _("household number")),
        ("head_name", _("head of household")),
        ("id_number", _("ID number")),
        ("phone", _("phone")),
        ("members", _("members")),
        ("shareholders", _("shareholders")),
        ("contracted_mu", _("contracted area (mu)")),
    ],
    ImportJob.Kind.MEMBERS: [
        ("village", _("village")),
        ("cooperative", _("cooperative")),
        ("household_no", _("household number")),
        ("name", pgettext_lazy("person", "name")),
        ("relation", _("relation to head")),
        ("id_number", _("ID number")),
        ("birth_date", _("birth date")),
        ("phone", _("phone")),
        ("is_collective_member", _("collective member")),
        ("is_shareholder", _("shareholder")),
        ("shares", _("shares")),
        ("is_villager_representative", _("villagers' representative")),
        ("is_member_representative", _("members' representative")),
    ],
}


#: The counts of a checked and of an imported roster: households (户) or people (人).
IMPORT_SUMMARIES = {
    (ImportJob.Kind.HOUSEHOLDS, ImportJob.Status.CHECKED): _(
        "%(total)s rows checked, no errors: %(created)s will be created, %(updated)s updated, "
        "%(unchanged)s unchanged."
    ),
    (ImportJob.Kind.MEMBERS, ImportJob.Status.CHECKED): pgettext_lazy(
        "members",
        "%(total)s rows checked, no errors: %(created)s will be created, %(updated)s updated, "
        "%(unchanged)s unchanged.",
    ),
    (ImportJob.Kind.HOUSEHOLDS, ImportJob.Status.DONE): _(
        "Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged."
    ),
    (ImportJob.Kind.MEMBERS, ImportJob.Status.DONE): pgettext_lazy(
        "members", "Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged."
    ),
}


def import_summary(job: ImportJob) -> str:
    """What a checked (without errors) or imported job counts, or ""."""
    message = IMPORT_SUMMARIES.get((job.kind, job.status))
    if message is None or job.error_count:
        return ""
    counts = {"total": job.total, "created": job.created, "updated": job.updated}
    return message % {**counts, "unchanged": job.unchanged}


def import_fill_down_hint(job: ImportJob) -> str:
    """A sentence over the errors when blank cells that fill-down would fill are among them,
    or "". A workbook with merged village, cooperative or household cells, checked without
    fill-down, gave one such error per blank cell, three a row: the advice was in each of
    them, 72 times over, and no one line said that one tick would clear them all.

    Read from the stored messages, which are in the language of the upload, whichever it
    was: the page may be read in the other."""
    if job.fill_down or not job.error_count:
        return ""
    blank = []  # the message in each language the app speaks
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            blank.append(gettext(roster._BLANK_MERGED))
    count = sum(
        any(message == said % {"column": column} for said in blank)
        for _line, column, message in job.errors
    )
    if not count:
        return ""
    return ngettext(
        "%(count)d of these errors is a blank cell, as a merged cell leaves below its first "
        "row: if the file's village, cooperative or household cells are merged, upload it again "
        "with “Fill down merged cells” ticked.",
        "%(count)d of these errors are blank cells, as merged cells leave below their first "
        "row: if the file's village, cooperative or household cells are merged, upload it again "
        "with “Fill down merged cells” ticked.",
        count,
    ) % {"count": count}


def import_preview(job: ImportJob, user) -> dict:
    """The job's first rows as the page shows them: {"labels": […], "rows": [(line, […])]},
    ID and phone numbers masked for ``user`` unless they may see them, yes / no cells and
    relations in words, a blank cell (keep what is recorded) as a blank."""
    columns = PREVIEW_COLUMNS[job.kind]
    relations = dict(Member.Relation.choices)

    def shown(key, value):
        if value == "":
            return ""
        if key == "id_number":
            return id_number_for(user, value)
        if key == "phone":
            return phone_for(user, value)
        if key == "relation":
            return relations.get(value, value)
        if isinstance(value, bool):
            return gettext("yes") if value else gettext("no")
        return value

    rows = [
        (row.get("line", ""), [shown(key, row.get(key, "")) for key, _label in columns])
        for row in job.preview
    ]
    return {"labels": [label for _key, label in columns], "rows": rows}


@admin.register(Household)
class HouseholdAdmin(BigTableAdminMixin, ScopedHistoryAdmin):
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
    # Along the unique (cooperative, number) index.
    ordering = ["cooperative_id", "number"]
    change_list_template = "admin/cases/household/change_list.html"
    actions = ["enrol_in_project"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "cooperative" in form.changed_data:  # maybe of another village: its visits follow
            services.visits_follow_cases(Case.objects.filter(household=obj))

    def has_enrol_permission(self, request):
        return request.user.has_perm(ENROL_PERMISSION)

    @admin.action(description=_("Enrol in a project…"), permissions=["enrol"])
    def enrol_in_project(self, request, queryset):
        """The selected households (or every one the list's filters select) → a choice of
        the projects covering all of them (``services.projects_covering``; not completed, in
        the user's scope) → ``services.project_enrol_households``."""
        cooperative_ids = queryset.order_by().values_list("cooperative_id", flat=True).distinct()
        projects = services.projects_covering(
            Project.objects.visible_to(request.user).exclude(status=Project.Status.COMPLETED),
            list(cooperative_ids),
        )
        count = queryset.count()
        enrolled = dict(
            Case.objects.filter(
                project__in=[p.pk for p in projects],
                household__in=queryset.order_by().values("pk"),
            )
            .values_list("project")
            .annotate(households=Count("pk"))
            .order_by()
        )
        form = EnrolInProjectForm(
            request.POST if "enrol_confirm" in request.POST else None,
            projects=projects,
            count=count,
            enrolled=enrolled,
        )
        if form.is_valid():
            project = form.cleaned_data["project"]
            try:
                enrolment = services.project_enrol_households(
                    project=project, households=queryset, by=request.user
                )
            except ValidationError as exc:
                self.message_user(request, join_sentences(exc.messages), messages.ERROR)
            else:
                self.message_user(request, f"{project}: {enrolment.summary()}", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Enrol households in a project"),
            "form": form,
            "count": count,
            "select_across": request.POST.get("select_across", "0"),
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/cases/household/enrol.html", context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_import": importable_kinds(request.user)}
        return super().changelist_view(request, extra_context)

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

    def _import_context(self, request, title=None, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title or gettext("Import a roster"),
            **extra,
        }

    def _job_for(self, request, job_id: int) -> ImportJob:
        """The user's own job, if they may (still) import its kind; anyone else's is a 404."""
        kinds = importable_kinds(request.user)
        if not kinds:
            raise PermissionDenied
        try:
            job = ImportJob.objects.get(pk=job_id, user=request.user)
        except ImportJob.DoesNotExist as exc:
            raise Http404 from exc
        if job.kind not in kinds:
            raise PermissionDenied
        return job

    @method_decorator_http(["GET", "POST"])
    def import_upload(self, request):
        """Upload → (checked in the background) → the job page shows preview and errors. One
        page for every kind of roster the user may import; ``?kind=members`` chooses one."""
        kinds = importable_kinds(request.user)
        if not kinds:
            raise PermissionDenied
        chosen = request.GET.get("kind")
        initial = {
            "kind": chosen if chosen in kinds else kinds[0],
            "fill_down": request.GET.get("fill_down") == "1",  # the job page's hint links here
        }
        form = RosterUploadForm(
            request.POST or None, request.FILES or None, kinds=kinds, initial=initial
        )
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            job = importing.import_job_start(
                user=request.user,
                data=upload.read(),
                filename=upload.name,
                encoding=form.cleaned_data["encoding"].strip(),
                fill_down=form.cleaned_data["fill_down"],
                kind=form.cleaned_data["kind"],
            )
            return redirect("admin:cases_household_import_job", job_id=job.pk)
        jobs = ImportJob.objects.filter(user=request.user)[:10]
        context = self._import_context(request, form=form, jobs=jobs, kinds=kinds)
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
        context = self._import_context(
            request,
            title=IMPORT_TITLES[job.kind],
            job=job,
            progress_done=done,
            progress_total=total,
            preview=import_preview(job, request.user),
            summary=import_summary(job),
            fill_down_hint=import_fill_down_hint(job),
        )
        return TemplateResponse(request, "admin/cases/household/import_job.html", context)

    @method_decorator_http(["GET"])
    def import_status(self, request, job_id: int):
        job = self._job_for(request, job_id)
        done, total = importing.import_job_progress(job)
        return JsonResponse({"status": job.status, "done": done, "total": total})


@admin.register(Member)
class MemberAdmin(BigTableAdminMixin, ScopedHistoryAdmin):
    list_display = ["name", "household", "relation", "id_number", "is_shareholder", "shares"]
    change_list_template = "admin/cases/member/change_list.html"

    def changelist_view(self, request, extra_context=None):
        may_import = ImportJob.Kind.MEMBERS in importable_kinds(request.user)
        extra_context = {**(extra_context or {}), "may_import": may_import}
        return super().changelist_view(request, extra_context)

    list_filter = ["relation", "is_shareholder", "is_collective_member"]
    list_select_related = ["household__cooperative__village"]
    search_fields = ["name", "=household__number"]
    raw_id_fields = ["household"]
    # Along the household index.
    ordering = ["household_id", "id"]


class StageAdminForm(ConstraintErrorsForm):
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


class StageInlineFormSet(LabelledRowsFormSet):
    """A stage marked done is a record of when a step of the procedure happened: it is not
    deleted (the list of a project's stages in the admin offers the box for every row)."""

    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            if (
                form.instance.pk
                and Stage.objects.filter(pk=form.instance.pk, done_on__isnull=False).exists()
            ):
                raise ValidationError(
                    _("The stage “%(stage)s” is marked done and cannot be deleted.")
                    % {"stage": form.instance.name}
                )


class StageInline(TabularInline):
    model = Stage
    form = StageAdminForm
    formset = StageInlineFormSet
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


class ProjectAdminForm(ConstraintErrorsForm):
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
    change_form_template = "admin/cases/project/change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/enrol/", view(self.enrol), name="cases_project_enrol"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "may_enrol": self._may_enrol(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _may_enrol(self, request) -> bool:
        return request.user.has_perm(ENROL_PERMISSION)

    @method_decorator_http(["GET", "POST"])
    def enrol(self, request, object_id):
        """The project's cooperatives the user may see, each with its households, those
        already enrolled and those to enrol; the ticked ones are enrolled on POST
        (``services.project_enrol_households``). 404 out of scope, before the permission."""
        project = self.get_object(request, object_id)
        if not self._may_enrol(request):
            raise PermissionDenied
        covered = services.project_cooperatives(project).visible_to(request.user)
        form = EnrolCooperativesForm(
            request.POST if request.method == "POST" else None, cooperatives=covered
        )
        if request.method == "POST" and form.is_valid():
            try:
                enrolment = services.project_enrol_households(
                    project=project,
                    cooperatives=form.cleaned_data["cooperatives"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, enrolment.summary(), messages.SUCCESS)
                return redirect("admin:cases_project_change", object_id=project.pk)
        rows = (
            covered.select_related("village")
            .annotate(
                household_count=Count("households", distinct=True),
                enrolled=Count(
                    "households__cases",
                    filter=Q(households__cases__project_id=project.pk),
                    distinct=True,
                ),
            )
            .annotate(to_enrol=F("household_count") - F("enrolled"))
            .order_by("village__name", "name")
        )
        ticked = {int(pk) for pk in form["cooperatives"].value() or [] if str(pk).isdigit()}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": project,
            "title": gettext("Enrol households"),
            "form": form,
            "rows": [(row, row.pk in ticked or not form.is_bound) for row in rows],
            "completed": project.status == Project.Status.COMPLETED,
        }
        return TemplateResponse(request, "admin/cases/project/enrol.html", context)

    def has_delete_permission(self, request, obj=None):
        """A project whose procedure has begun (a stage marked done) is kept: its stages are
        the record of what was done when. Meetings, votes, cases and evidence protect it too."""
        if obj is not None and obj.stages.filter(done_on__isnull=False).exists():
            return False
        return super().has_delete_permission(request, obj)

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


class StageEvidenceInline(TabularInline):
    """Read-only: evidence is added on the procedure page; the link goes through the scoped
    download view."""

    model = StageEvidence
    extra = 0
    fields = ["link", "content_type", "size", "uploaded_by_name", "uploaded_at"]
    readonly_fields = fields
    uploaded_by_name = user_by_name(StageEvidence, "uploaded_by")
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

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
    exclude = ["done_by"]
    readonly_fields = ["done_by_name"]
    done_by_name = user_by_name(Stage, "done_by")
    inlines = [StageEvidenceInline]

    def has_delete_permission(self, request, obj=None):
        """A stage marked done is a record of when that step happened: not deleted."""
        if obj is not None and obj.done_on is not None:
            return False
        return super().has_delete_permission(request, obj)

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


class TemplateStepInline(TabularInline):
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

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("notice/", view(self.enter_notice), name="cases_workdayoverride_notice"),
            *super().get_urls(),
        ]

    def _may_enter_notice(self, request) -> bool:
        """Entering a year replaces its adjustments: adding and deleting them."""
        return self.has_add_permission(request) and self.has_delete_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "may_enter_notice": self._may_enter_notice(request),
        }
        return super().changelist_view(request, extra_context)

    @method_decorator_http(["GET", "POST"])
    def enter_notice(self, request):
        """Enter a year's holiday notice whole: paste → the days read from it → confirm
        (``services.calendar_enter_notice``). The confirmation posts the same text again and
        it is read again, so what is saved is what was shown."""
        if not self._may_enter_notice(request):
            raise PermissionDenied
        today = timezone.localdate()
        form = HolidayNoticeForm(
            request.POST if request.method == "POST" else None,
            initial={"year": today.year + 1},
        )
        if form.is_valid() and "confirm" in request.POST:
            count = services.calendar_enter_notice(notice=form.notice)
            self.message_user(
                request,
                gettext("%(year)s entered: %(count)s working-day adjustments.")
                % {"year": form.notice.year, "count": count},
                messages.SUCCESS,
            )
            changelist = reverse("admin:cases_workdayoverride_changelist")
            return redirect(f"{changelist}?date__year={form.notice.year}")
        existing = (
            WorkdayOverride.objects.filter(date__year=form.cleaned_data["year"]).count()
            if form.is_bound and form.is_valid()
            else 0
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Enter a year's holiday notice"),
            "form": form,
            "existing": existing,
        }
        return TemplateResponse(request, "admin/cases/workdayoverride/notice.html", context)


class VisitInline(TabularInline):
    """Visits are logged through ``services.visit_record`` (the visit form or Visit admin)."""

    model = Visit
    extra = 0
    fields = ["visited_on", "place", "stance", "next_follow_up_on", "notes", "recorded_by_name"]
    readonly_fields = fields
    recorded_by_name = user_by_name(Visit, "recorded_by")
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        """Each visit's recorder and, for its change link's name, its household read with it:
        a case's page read them three queries a visit."""
        return super().get_queryset(request).select_related("recorded_by", "case__household")

    def has_add_permission(self, request, obj=None):
        return False


class ServiceErrorsForm(ConstraintErrorsForm):
    """A ModelForm that shows a service's ValidationError beside the fields it names."""

    def _add_errors(self, exc: ValidationError) -> None:
        add_errors_beside_fields(self, exc)


class CaseAdminForm(ServiceErrorsForm):
    """Signing and completion from the admin keep the dates of ``services.case_sign`` and
    ``services.case_complete`` (``services.case_check_dates``)."""

    class Meta:
        model = Case
        fields = "__all__"  # noqa: DJ007 - the ModelAdmin chooses the fields

    def clean(self):
        cleaned = super().clean()
        try:
            services.case_check_dates(
                signed_on=cleaned.get("agreement_signed_on"),
                completed_on=cleaned.get("completed_on"),
                status=cleaned.get("status"),
            )
        except ValidationError as exc:
            self._add_errors(exc)
        return cleaned


@admin.register(Case)
class CaseAdmin(BigTableAdminMixin, ScopedHistoryAdmin):
    """Stance, follow-up and the visit figures come from the case's visits
    (``services.case_refresh_visits``) and are read-only here. Decision where the design is
    silent: the admin signs, completes or reopens a case; once saved, an open case's status is
    the one its visits give (a status typed by hand, or an old version brought back from the
    history page, cannot put a case out of step with its visits)."""

    form = CaseAdminForm
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
    readonly_fields = ["stance", "visit_count", "last_visit_on", "next_follow_up_on"]
    inlines = [VisitInline]
    # Along the unique (project, household) index.
    ordering = ["project_id", "household_id"]

    def save_model(self, request, obj, form, change):
        if change:  # locked, so that a visit stored meanwhile is counted, not overwritten
            Case.objects.select_for_update().filter(pk=obj.pk).first()
        services.case_apply_visits(case=obj)
        super().save_model(request, obj, form, change)
        if {"project", "household"} & set(form.changed_data):  # moved: its visits follow
            services.visits_follow_cases(Case.objects.filter(pk=obj.pk))


def _refresh_cases(case_ids) -> None:
    """Cases' figures recomputed from their visits, each case locked first (in id order, as
    the visit form locks it) so that a visit stored meanwhile is counted, not overwritten."""
    with transaction.atomic():
        ids = [pk for pk in case_ids if pk]
        for case in Case.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
            services.case_refresh_visits(case=case)


class VisitAdminForm(ServiceErrorsForm):
    """The dates and concerns a visit may hold, as ``services.visit_record`` checks them (no
    visit in the future, no follow-up before the visit, only the listed concerns), also when
    a visit is changed or reverted here. The concerns are ticked by name, as on the visit
    form (the JSON field's own widget showed the codes: ["boundaries"]). Its visitors, typed
    by id, are those ``services.visit_check_visitors`` allows, as on the visit form: the one
    recording it (``recorder``, set by ``VisitAdmin.get_form``) and a stored visit's own
    visitors and recorder pass, whoever they are now."""

    concerns = concerns_field()
    recorder = None

    def _kept_visitors(self) -> set[int]:
        """Who may stay a visitor whatever their account is now: the recorder, and on a
        stored visit its recorder and its visitors, now and in every version its history
        holds (the history page reverts to an old version)."""
        keep = {self.recorder.pk} if self.recorder else set()
        if pk := self.instance.pk:
            keep.add(self.instance.recorded_by_id)
            now = Visit.visitors.through.objects.filter(visit_id=pk)
            before = Visit.history.model.visitors.model.objects.filter(history__id=pk)
            for rows in (now, before):
                keep.update(rows.values_list("user_id", flat=True))
        return keep

    class Meta:
        model = Visit
        fields = "__all__"  # noqa: DJ007 - the ModelAdmin chooses the fields

    def clean(self):
        cleaned = super().clean()
        try:
            if cleaned.get("visited_on"):
                services.visit_check_dates(
                    visited_on=cleaned["visited_on"],
                    next_follow_up_on=cleaned.get("next_follow_up_on"),
                )
        except ValidationError as exc:
            self._add_errors(exc)
        try:
            if "concerns" in cleaned:
                cleaned["concerns"] = services.visit_check_concerns(cleaned["concerns"] or [])
        except ValidationError as exc:
            self._add_errors(exc)
        try:
            if cleaned.get("case") and cleaned.get("visitors") is not None:
                services.visit_check_visitors(
                    case=cleaned["case"], visitors=cleaned["visitors"], keep=self._kept_visitors()
                )
        except ValidationError as exc:
            self._add_errors(exc)
        return cleaned


@admin.register(Visit)
class VisitAdmin(BigTableAdminMixin, ScopedHistoryAdmin):
    list_display = ["visited_on", "case", "place", "stance", "branch", "next_follow_up_on"]
    # A date filter rather than date_hierarchy, whose list of years reads every visit.
    list_filter = [
        ("visited_on", admin.DateFieldListFilter),
        "stance",
        "place",
        "branch",
        "project",
    ]
    list_select_related = ["case__household", "case__project", "project", "branch"]
    search_fields = ["=case__household__number", "case__household__head_name"]
    raw_id_fields = ["case", "visitors"]
    autocomplete_fields = ["branch"]
    exclude = ["recorded_by"]
    readonly_fields = ["recorded_by_name", "recorded_at"]
    recorded_by_name = user_by_name(Visit, "recorded_by")
    form = VisitAdminForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)  # a class made for this request
        form.recorder = request.user
        return form

    def save_model(self, request, obj, form, change):
        """The visitors are set here, with the visit, so that its one history row holds them
        (``VISIT_HISTORY.save_with_m2m``): the form's own ``save_m2m`` afterwards finds them
        set and writes nothing, where it would have written a row of its own, and the save
        before it one with the visitors as they were."""
        visitors = form.cleaned_data.get("visitors")
        if change:
            # The case it is stored under now, read from the database: on the history page
            # the form's initial values are the old version's, not the stored row's.
            stored = Visit.objects.filter(pk=obj.pk).values_list("case_id", flat=True).first()
            # The case may have been changed: the visit takes its project and village.
            for name, value in services.visit_places(obj.case).items():
                setattr(obj, name, value)
            if visitors is None:  # not on the form
                super().save_model(request, obj, form, change)
            else:
                obj._history_user = request.user  # as SimpleHistoryAdmin.save_model
                VISIT_HISTORY.save_with_m2m(obj, {"visitors": visitors})
            # The figures of the case it belongs to now, and of the one it left if it moved.
            self._refresh_cases({obj.case_id, stored})
            return
        visit, _created = services.visit_record(
            case=obj.case,
            recorded_by=request.user,
            visitors=visitors or (),
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

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._refresh_cases({obj.case_id})

    def delete_queryset(self, request, queryset):
        case_ids = set(queryset.values_list("case_id", flat=True))
        super().delete_queryset(request, queryset)
        self._refresh_cases(case_ids)

    @staticmethod
    def _refresh_cases(case_ids) -> None:
        """A visit changed, moved or deleted: its cases' figures recomputed from their visits."""
        _refresh_cases(case_ids)

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


class BallotInline(TabularInline):
    model = Ballot
    extra = 0
    fields = ["voter", "choice", "method", "proxy_name", "cast_on", "recorded_by_name"]
    readonly_fields = fields
    recorded_by_name = user_by_name(Ballot, "recorded_by")
    can_delete = False

    def get_queryset(self, request):
        """Each ballot's voter and recorder read with it: a vote's page read them one ballot
        at a time (781 queries for the 386 ballots of the demo's 镇南村 vote)."""
        return super().get_queryset(request).select_related("voter", "recorded_by")

    def has_add_permission(self, request, obj=None):
        return False


def _vote_is(vote, *statuses) -> bool:
    return vote is not None and vote.status in statuses


class VoteAdminForm(ServiceErrorsForm):
    """A draft vote's set-up checked by ``services.vote_check`` before the save, so that a bad
    one (a cooperative of another village, a project that does not cover the village…) is
    shown beside its field instead of failing in ``save_model`` (a server error)."""

    class Meta:
        model = Vote
        fields = "__all__"  # noqa: DJ007 - the ModelAdmin chooses the fields

    def _post_clean(self):
        super()._post_clean()  # the instance now holds the form's values
        if self.errors:
            return
        try:
            services.vote_check(self.instance)
        except ValidationError as exc:
            self._add_errors(exc)


@admin.register(Vote)
class VoteAdmin(ScopedHistoryAdmin):
    """Set-up changes only while draft; an opened, closed or certified vote is read-only
    (open, close and certify on the vote's page, through ``services``)."""

    list_display = ["subject", "village", "cooperative", "rule_code", "basis", "status", "opens_on"]
    list_filter = ["status", "rule_code", "basis", "village"]
    list_select_related = ["village", "cooperative"]
    search_fields = ["subject"]
    autocomplete_fields = ["project", "village", "cooperative", "meeting"]
    exclude = ["opened_by", "certified_by"]
    readonly_fields = [
        "status",
        "opened_by_name",
        "opened_at",
        "closed_at",
        "certified_by_name",
        "certified_at",
    ]
    opened_by_name = user_by_name(Vote, "opened_by")
    certified_by_name = user_by_name(Vote, "certified_by")
    inlines = [BallotInline]
    form = VoteAdminForm

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
    list_display = ["voter", "vote", "choice", "method", "cast_on", "recorded_by_name"]
    list_filter = ["choice", "method", "vote"]
    list_select_related = ["voter", "vote", "recorded_by"]
    search_fields = ["voter__name", "=voter__household__number"]
    raw_id_fields = ["proxy_member"]
    readonly_fields = ["vote", "voter", "cast_on", "recorded_by_name", "recorded_at"]
    recorded_by_name = user_by_name(Ballot, "recorded_by")

    def get_fields(self, request, obj=None):
        """No reason to give where nothing can be corrected (the page read "Reason: None")."""
        fields = super().get_fields(request, obj)
        if not self.has_change_permission(request, obj):
            fields = [name for name in fields if name != "reason"]
        return fields

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


@admin.register(RevealLog)
class RevealLogAdmin(ScopedAdmin):
    """Read-only: the log is written by the reveal endpoint and never edited; township
    administrators only (``RevealLog.objects.visible_to``)."""

    list_display = ["revealed_at", "user_name", "subject", "field", "household", "ip_address"]
    user_name = user_by_name(RevealLog, "user")
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
