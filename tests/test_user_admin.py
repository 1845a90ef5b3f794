"""The user page (``TownshipUserAdmin``): an account, its role and its staff profile (villages
in scope, party branch, title, phone) made and changed in one save."""

import re
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from cases import roles
from cases.models import Household, StaffProfile
from cases.services import visit_possible_visitors

from .factories import CaseFactory, HouseholdFactory, PartyBranchFactory, UserFactory
from .support import staff_profile_post

ADD = reverse("admin:auth_user_add")
NEEDS_VILLAGES = "A village cadre sees only the villages in scope"


def new_account(username, role, **profile):
    return {
        "username": username,
        "usable_password": "true",
        "password1": "Jiujiang-2021-pw",
        "password2": "Jiujiang-2021-pw",
        "last_name": "陈",
        "first_name": "村官",
        "groups": [Group.objects.get(name=role).pk] if role else [],
        "is_staff": "on",
        **staff_profile_post(**profile),
    }


def change_data(user, **profile):
    """What the change page posts for ``user`` as it stands, with the profile given."""
    data = {
        "username": user.username,
        "is_active": "on",
        "is_staff": "on" if user.is_staff else "",
        "groups": [g.pk for g in user.groups.all()],
        "date_joined_0": "2021-01-01",
        "date_joined_1": "00:00:00",
    }
    return data | staff_profile_post(getattr(user, "staff_profile", None), user=user, **profile)


@pytest.fixture
def households(two_villages):
    """Three more households in 烟南村 and two in 镇南村, each with a case."""
    for key, n in (("yannan", 3), ("zhennan", 2)):
        for _ in range(n):
            household = HouseholdFactory(cooperative=two_villages[key]["cooperative"])
            CaseFactory(project=two_villages[key]["project"], household=household)
    return two_villages


def test_a_cadre_made_in_one_save_sees_exactly_their_villages_households(
    client, township_admin, households
):
    yannan, zhennan = households["yannan"]["village"], households["zhennan"]["village"]
    branch = PartyBranchFactory(village=yannan, name="烟南村党委")
    client.force_login(township_admin)

    response = client.post(
        ADD,
        new_account(
            "chen_cadre",
            roles.VILLAGE_CADRE,
            villages=[yannan],
            branch=branch,
            title="村委委员",
            phone="13800138000",
        ),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    cadre = get_user_model().objects.get(username="chen_cadre")
    assert [g.name for g in cadre.groups.all()] == [roles.VILLAGE_CADRE]
    assert (cadre.last_name, cadre.first_name, cadre.is_staff) == ("陈", "村官", True)
    profile = cadre.staff_profile
    assert list(profile.villages.all()) == [yannan]
    assert (profile.branch, profile.title, profile.phone) == (branch, "村委委员", "13800138000")

    client.force_login(cadre)
    own = set(Household.objects.filter(cooperative__village=yannan).values_list("pk", flat=True))
    changelist = client.get(reverse("admin:cases_household_changelist"))
    assert {h.pk for h in changelist.context["cl"].result_list} == own
    assert len(own) == 4
    cases = client.get(reverse("case_list")).context["page"]
    assert {case.household_id for case in cases} == own
    for household in Household.objects.all():
        detail = client.get(reverse("household_detail", args=[household.pk]))
        expected = 200 if household.cooperative.village == yannan else 404
        assert detail.status_code == expected, household
    assert zhennan not in profile.villages.all()


def test_a_cadre_without_villages_is_refused_and_nothing_typed_is_lost(
    client, township_admin, two_villages
):
    """A cadre with no village in scope would see nothing anywhere: refused beside the
    villages, the account not made, what was typed still in the form."""
    branch = PartyBranchFactory(name="机关第六党支部")
    client.force_login(township_admin)

    data = new_account("no_villages", roles.VILLAGE_CADRE, branch=branch, title="村委委员")
    response = client.post(ADD, data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="no_villages").exists()
    assert not StaffProfile.objects.filter(title="村委委员").exists()
    page = response.content.decode()
    assert NEEDS_VILLAGES in page
    assert 'value="no_villages"' in page and 'value="村委委员"' in page
    assert f'<option value="{branch.pk}" selected>' in page
    cadre = Group.objects.get(name=roles.VILLAGE_CADRE)
    assert f'<option value="{cadre.pk}" selected>' in page


@pytest.mark.parametrize("role", [roles.TOWNSHIP_STAFF, roles.LEADER, None])
def test_a_role_that_sees_every_village_needs_none_and_still_gets_a_profile(
    client, township_admin, yannan_case, role
):
    """Left blank, the profile is made all the same: the visit form offers as visitors only
    people with one."""
    client.force_login(township_admin)

    response = client.post(ADD, new_account("new_person", role))

    assert response.status_code == 302, response.content.decode()[:3000]
    person = get_user_model().objects.get(username="new_person")
    assert person.staff_profile.villages.count() == 0
    assert (person in visit_possible_visitors(yannan_case)) == (role is not None)


def test_making_someone_a_cadre_needs_their_villages_on_the_same_page(
    client, township_admin, staff, yannan
):
    client.force_login(township_admin)
    url = reverse("admin:auth_user_change", args=[staff.pk])
    cadre = Group.objects.get(name=roles.VILLAGE_CADRE)

    refused = client.post(url, change_data(staff) | {"groups": [cadre.pk]})
    assert refused.status_code == 200
    assert "村（社区）干部只能看到其工作范围内的村" in refused.content.decode()
    assert [g.name for g in staff.groups.all()] == [roles.TOWNSHIP_STAFF]

    saved = client.post(url, change_data(staff, villages=[yannan]) | {"groups": [cadre.pk]})
    assert saved.status_code == 302, saved.content.decode()[:3000]
    assert [g.name for g in staff.groups.all()] == [roles.VILLAGE_CADRE]
    assert list(staff.staff_profile.villages.all()) == [yannan]
    assert StaffProfile.objects.filter(user=staff).count() == 1


def test_the_staff_profile_page_keeps_the_same_rule(client, township_admin, cadre_yannan):
    client.force_login(township_admin)
    profile = cadre_yannan.staff_profile
    url = reverse("admin:cases_staffprofile_change", args=[profile.pk])

    response = client.post(url, {"user": cadre_yannan.pk, "title": "村委委员"})

    assert response.status_code == 200
    assert "村（社区）干部只能看到其工作范围内的村" in response.content.decode()
    assert profile.villages.count() == 1


def test_the_user_pages_offer_the_profile_and_name_the_roles(client, township_admin, cadre_yannan):
    client.force_login(township_admin)
    add = client.get(ADD).content.decode()
    change = client.get(reverse("admin:auth_user_change", args=[cadre_yannan.pk])).content.decode()
    for page in (add, change):
        assert 'name="groups"' in page and 'name="staff_profile-0-villages"' in page
        assert 'name="staff_profile-0-branch"' in page and "角色" in page
        assert "村（社区）干部" in page
    assert 'name="last_name"' in add and 'name="is_staff"' in add
    assert "登录账号、姓名、角色和工作范围一并保存" in add
    assert "After you" not in add


def test_a_user_without_the_profile_permissions_gets_no_profile_form(
    client, township_admin, cadre_yannan
):
    """The profile stays the township administrators' (``roles._ADMIN_ONLY``): someone given
    the user permissions alone sees no profile on the user page, and changes none."""
    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.add(*roles_permissions("auth.view_user", "auth.change_user"))
    client.force_login(clerk)
    url = reverse("admin:auth_user_change", args=[cadre_yannan.pk])

    assert "staff_profile-0-villages" not in client.get(url).content.decode()
    response = client.post(url, change_data(cadre_yannan) | {"staff_profile-0-villages": []})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert cadre_yannan.staff_profile.villages.count() == 1


def roles_permissions(*labels):

    found = []
    for label in labels:
        app, codename = label.split(".")
        found.append(Permission.objects.get(content_type__app_label=app, codename=codename))
    return found


def test_the_admin_flag_is_not_named_like_the_township_staff_role(client, superuser):
    """Django calls ``is_staff`` "staff status" (工作人员状态), which reads as the township
    staff role (镇工作人员): on the user list, its filter and the user's page it is called by
    what it grants, the admin."""
    clerk = UserFactory(username="clerk", is_staff=True)
    client.force_login(superuser)
    pages = [
        client.get(reverse("admin:auth_user_changelist")).content.decode(),
        client.get(reverse("admin:auth_user_change", args=[clerk.pk])).content.decode(),
    ]
    for page in pages:
        assert "可登录管理后台" in page and "工作人员状态" not in page
    assert "column-may_use_admin" in pages[0]
    assert re.search(r"<summary>\s*以 可登录管理后台\s*</summary>", pages[0])  # the filter


def test_the_admin_welcomes_a_person_by_their_whole_name(client, db):
    """Django's admin greets by ``get_short_name``, the given name alone: "欢迎，立新"."""
    clerk = UserFactory(username="clerk", is_staff=True, last_name="黄", first_name="立新")
    client.force_login(clerk)
    page = client.get(reverse("admin:index")).content.decode()
    assert "欢迎，<strong>黄立新</strong>。" in page
    english = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Welcome, <strong>黄立新</strong>." in english.content.decode()


def _offered_permissions(page: str) -> list[str]:
    select = re.search(r'<select name="(?:user_)?permissions".*?</select>', page, re.S)[0]
    return [unescape(label) for label in re.findall(r"<option [^>]*>([^<]*)</option>", select)]


def test_roles_and_permissions_are_named_in_the_pages_language(client, superuser, staff):
    """A role's permissions read "… | Can add visit" on a Chinese admin (Django stores each
    name once, in English): a role's and a user's lists of permissions name them in the
    page's language, the model's own as Django's defaults, the declared ones by their name;
    the role list names each role, not only its code."""
    client.force_login(superuser)
    group = Group.objects.get(name=roles.TOWNSHIP_STAFF)
    pages = {
        language: [
            client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
            for url in (
                reverse("admin:auth_group_change", args=[group.pk]),
                reverse("admin:auth_user_change", args=[staff.pk]),
            )
        ]
        for language in ("zh-CN", "en")
    }
    for role_page, user_page in pages.values():
        assert _offered_permissions(role_page) == _offered_permissions(user_page)
    chinese = _offered_permissions(pages["zh-CN"][0])
    english = _offered_permissions(pages["en"][0])
    assert len(chinese) == len(english) == Permission.objects.count()
    assert not [label for label in chinese if "Can " in label]
    assert "村改工作台账 | 入户走访 | 可新增入户走访" in chinese
    assert [label for label in chinese if label.endswith(" | 可查看全镇各村")]
    assert "Land consolidation cases | visit | Can add visit" in english
    assert [
        label for label in english if label.endswith(" | Can see every village of the township")
    ]
    listed = client.get(reverse("admin:auth_group_changelist")).content.decode()
    assert "镇工作人员" in listed and "township_staff" in listed
    assert "<title>镇工作人员 | 修改 组" in pages["zh-CN"][0]


def test_the_log_in_records_are_headed_in_the_pages_language(client, superuser):
    """django-axes' records were headed "AXES", the package's name, on Chinese pages too."""
    client.force_login(superuser)
    index = reverse("admin:index")
    chinese = client.get(index, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    english = client.get(index, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    app = reverse("admin:app_list", args=["axes"])
    assert re.search(rf'<a href="{app}"[^>]*>\s*登录记录\s*</a>', chinese)
    assert re.search(rf'<a href="{app}"[^>]*>\s*Log-in attempts\s*</a>', english)
    assert not re.search(r">\s*Axes\s*<", chinese + english)
