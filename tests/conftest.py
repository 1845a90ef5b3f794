import django.test
import pytest
from django.test import RequestFactory

from cases import roles

from .factories import (
    CooperativeFactory,
    ProjectFactory,
    StaffProfileFactory,
    UserFactory,
    VillageFactory,
)


class Client(django.test.Client):
    """``client.login`` through django-axes, which refuses to authenticate without a request:
    the log-in gets one, as the log-in page gives it (so failures count as they would)."""

    def login(self, **credentials):
        credentials.setdefault("request", RequestFactory().post("/accounts/login/"))
        return super().login(**credentials)


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def csrf_client():
    """A client that, like a browser, must send the CSRF token with every POST."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def yannan(db):
    return VillageFactory(name="烟南村")


@pytest.fixture
def zhennan(db):
    return VillageFactory(name="镇南村")


@pytest.fixture
def yannan_coop(yannan):
    return CooperativeFactory(village=yannan, name="东头经济社")


@pytest.fixture
def zhennan_coop(zhennan):
    return CooperativeFactory(village=zhennan, name="上沙经济社")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def township_admin(db):
    """The township administrator role (not a superuser): every village, whole numbers."""
    user = UserFactory(username="township_admin", role=roles.TOWNSHIP_ADMIN, is_staff=True)
    StaffProfileFactory(user=user)
    return user


@pytest.fixture
def staff(db):
    """Township staff: sees every village, logs visits."""
    user = UserFactory(username="staff", role=roles.TOWNSHIP_STAFF, is_staff=True)
    StaffProfileFactory(user=user)
    return user


@pytest.fixture
def leader(db):
    user = UserFactory(username="leader", role=roles.LEADER)
    StaffProfileFactory(user=user)
    return user


@pytest.fixture
def cadre_yannan(yannan):
    user = UserFactory(username="cadre_yannan", role=roles.VILLAGE_CADRE, is_staff=True)
    StaffProfileFactory(user=user, villages=[yannan])
    return user


@pytest.fixture
def cadre_zhennan(zhennan):
    user = UserFactory(username="cadre_zhennan", role=roles.VILLAGE_CADRE, is_staff=True)
    StaffProfileFactory(user=user, villages=[zhennan])
    return user


@pytest.fixture
def yannan_project(yannan):
    return ProjectFactory(name="临港国际产业社区（烟南片区）土地征收", villages=[yannan])
