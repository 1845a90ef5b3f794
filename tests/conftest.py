import pytest

from cases import roles

from .factories import (
    CooperativeFactory,
    ProjectFactory,
    StaffProfileFactory,
    UserFactory,
    VillageFactory,
)


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


@pytest.fixture
def yannan_household(yannan_coop):
    from .factories import HouseholdFactory

    return HouseholdFactory(cooperative=yannan_coop, number="0101", head_name="黄惠家")


@pytest.fixture
def yannan_case(yannan_project, yannan_household):
    from .factories import CaseFactory

    return CaseFactory(project=yannan_project, household=yannan_household)


@pytest.fixture
def zhennan_project(zhennan):
    return ProjectFactory(name="临港国际产业社区（镇南片区）土地整理", villages=[zhennan])


@pytest.fixture
def zhennan_case(zhennan_project, zhennan_coop):
    from .factories import CaseFactory, HouseholdFactory

    household = HouseholdFactory(cooperative=zhennan_coop, number="0202", head_name="岑荣仪")
    return CaseFactory(project=zhennan_project, household=household)


@pytest.fixture(autouse=True)
def _english_messages():
    """Unit tests read messages in English (the msgids); pages still pick their language per
    request (Chinese by default), and tests of the Chinese catalog ask for it explicitly."""
    from django.utils import translation

    with translation.override("en"):
        yield
