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
    township_staff,
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
def english_client():
    """A client whose browser asks for English: for tests that read a page's messages (msgids).
    Without the header pages are Chinese, the default (tests/test_translations.py walks them)."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


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
    return township_staff(username="staff", is_staff=True)


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
def media_root(settings, tmp_path):
    """Uploaded evidence goes to a throw-away MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def two_villages(yannan_coop, zhennan_coop, superuser, media_root):
    """One of everything in 烟南村 and in 镇南村, each named so that a page showing the other
    village's row can be caught by its name; each household's phone changed once (history)."""
    from datetime import date

    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.models import RevealLog, Vote
    from cases.services import stage_evidence_add, visit_record

    from .factories import (
        BallotFactory,
        CaseFactory,
        HouseholdFactory,
        MeetingFactory,
        MemberFactory,
        StageFactory,
        VoteFactory,
        VoterFactory,
        make_id_number,
    )

    world = {}
    for key, coop, tag, n in (
        ("yannan", yannan_coop, "烟南", 101),
        ("zhennan", zhennan_coop, "镇南", 202),
    ):
        village = coop.village
        household = HouseholdFactory(
            cooperative=coop,
            head_name=f"{tag}户主",
            head_id_number=make_id_number(n),
            phone=f"1391234{n:04d}",
        )
        household.phone = f"1375678{n:04d}"
        household.save()
        member = MemberFactory(
            household=household,
            name=f"{tag}成员",
            id_number=make_id_number(n + 1),
            phone=f"1361234{n:04d}",
        )
        project = ProjectFactory(name=f"{tag}项目", villages=[village])
        case = CaseFactory(project=project, household=household)
        visit, _ = visit_record(
            case=case, recorded_by=superuser, visited_on=date(2021, 4, 4), notes=f"{tag}走访记录"
        )
        vote = VoteFactory(
            village=village, project=project, subject=f"{tag}表决", status=Vote.Status.OPEN
        )
        voter = VoterFactory(vote=vote, household=household, name=f"{tag}选民")
        ballot = BallotFactory(voter=voter, recorded_by=superuser)
        stage = StageFactory(project=project, name=f"{tag}阶段")
        evidence = stage_evidence_add(
            stage=stage,
            upload=SimpleUploadedFile(
                f"{tag}公告.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(64)
            ),
            user=superuser,
        )
        reveal = RevealLog.objects.create(
            user=superuser, household=household, subject=household.head_name, field="phone"
        )
        world[key] = {
            "village": village,
            "cooperative": coop,
            "household": household,
            "member": member,
            "project": project,
            "stage": stage,
            "evidence": evidence,
            "meeting": MeetingFactory(project=project, village=village, place=f"{tag}会场"),
            "case": case,
            "visit": visit,
            "vote": vote,
            "voter": voter,
            "ballot": ballot,
            "reveallog": reveal,
            # What must never appear on a page for a user of the other village.
            "names": [
                f"{tag}户主",
                f"{tag}成员",
                f"{tag}项目",
                f"{tag}表决",
                f"{tag}选民",
                f"{tag}阶段",
                f"{tag}会场",
                f"{tag}走访记录",
                coop.name,
                village.name,
            ],
            # Whole numbers (now and before the change) that only the permission may see.
            "numbers": [
                household.head_id_number,
                household.phone,
                f"1391234{n:04d}",
                member.id_number,
                member.phone,
            ],
        }
    return world


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
