"""The four roles, as groups with permissions. Created (and kept up to date) after every
``migrate`` by a post_migrate handler and by ``manage.py setup_roles``, so a fresh database
always has them and running either again changes nothing.

A user's village scope is their staff profile; a role says what they may do within it.
The leader role holds view permissions only: a leader changes nothing, in the pages or in the
admin (give a leader ``is_staff`` only if they should browse the admin read-only). Staff
profiles and the reveal log are the township administrator's alone.
"""

from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _

TOWNSHIP_ADMIN = "township_admin"
TOWNSHIP_STAFF = "township_staff"
VILLAGE_CADRE = "village_cadre"
LEADER = "leader"

LABELS = {
    TOWNSHIP_ADMIN: _("township administrator"),
    TOWNSHIP_STAFF: _("township staff"),
    VILLAGE_CADRE: _("village cadre"),
    LEADER: _("township leader (read-only)"),
}


def group_label(group: Group) -> str:
    """A role's name in the page's language (the group's name is its code)."""
    return str(LABELS.get(group.name, group.name))


#: Django's default permissions, as ``permission_label`` names them.
_DEFAULT_PERMISSIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission: Permission) -> str:
    """A permission as the admin's lists of permissions name it, in the page's language:
    "村改工作台账 | 入户走访 | 可新增入户走访" rather than Django's "… | Can add visit".

    Django stores a permission's name once, in English, when ``migrate`` creates it, and shows
    it as stored. The default ones (add, change, delete, view) are named here from the model's
    verbose name; those a model declares in ``Meta.permissions`` by their declared, translated
    name; any other (a model since removed) as stored. The app and model part is Django's
    own (``ContentType.__str__``), already translated.
    """
    content_type = permission.content_type
    model = content_type.model_class()
    name = permission.name
    if model is not None:
        opts = model._meta
        action, _sep, model_name = permission.codename.partition("_")
        declared = dict(opts.permissions)
        if permission.codename in declared:
            name = str(declared[permission.codename])
        elif model_name == opts.model_name and action in _DEFAULT_PERMISSIONS:
            name = _DEFAULT_PERMISSIONS[action] % {"model": opts.verbose_name}
    return f"{content_type} | {name}"


def needs_villages_in_scope(groups, *, is_superuser: bool) -> bool:
    """Whether a person with these roles sees only the villages of their staff profile, and so
    needs at least one: a role is chosen and none of them sees every village (the village
    cadre). Without a role a person may do nothing, so has no scope to set either."""
    if is_superuser or not groups.exists():
        return False
    return not groups.filter(
        permissions__content_type__app_label="cases", permissions__codename="view_all_villages"
    ).exists()


_MODELS = [
    "township",
    "village",
    "cooperative",
    "partybranch",
    "staffprofile",
    "household",
    "member",
    "project",
    "stage",
    "meeting",
    "case",
    "visit",
    "vote",
    "voter",
    "ballot",
    "proceduretemplate",
    "templatestep",
    "workdayoverride",
    "stageevidence",
]


#: Not visible to any role but the township administrator.
_ADMIN_ONLY = {"staffprofile"}


def _view_all():
    return [f"view_{m}" for m in _MODELS if m not in _ADMIN_ONLY]


#: codename lists per role (app "cases" unless "app.codename").
ROLE_PERMISSIONS = {
    TOWNSHIP_ADMIN: [
        f"{action}_{m}" for m in _MODELS for action in ("view", "add", "change", "delete")
    ]
    + [
        "view_all_villages",
        "view_personal_numbers",
        "view_reveallog",
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
    ],
    TOWNSHIP_STAFF: _view_all()
    + [
        "view_all_villages",
        "add_visit",
        "change_visit",
        "change_case",
        "add_meeting",
        "change_meeting",
        "add_vote",
        "change_vote",
        "change_stage",
        "add_stageevidence",
    ],
    VILLAGE_CADRE: _view_all()
    + [
        "add_visit",
        "change_visit",
        "add_ballot",
        "change_ballot",
        "add_meeting",
        "change_meeting",
        "add_stageevidence",
    ],
    LEADER: _view_all() + ["view_all_villages"],
}


def ensure_roles(**kwargs) -> list[str]:
    """Create the groups and set their permissions exactly; returns the codenames that do not
    exist (yet: a migration not applied), which are skipped."""
    missing = []
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        perms = []
        for codename in codenames:
            app, _dot, code = codename.rpartition(".")
            found = list(
                Permission.objects.filter(content_type__app_label=app or "cases", codename=code)
            )
            if not found:
                missing.append(codename)
            perms.extend(found)
        group.permissions.set(perms)
    return sorted(set(missing))
