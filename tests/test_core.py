"""Health check, the demo fixture, and the admin's pages."""

from unittest import mock

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db.utils import OperationalError
from django.urls import reverse

from cases.models import Ballot, Case, Household, Project, Visit, Vote


def test_healthz_answers_200_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_healthz_answers_503_when_the_database_does_not(client, db):
    with mock.patch("cases.views.core.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503


def test_pages_are_behind_log_in(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_header_names_who_is_logged_in(client, staff, cadre_yannan):
    """Family name first, as on visits and ballots; a user without a name by the log-in."""
    staff.last_name, staff.first_name = "陈", "晓华"
    staff.save()
    cadre_yannan.last_name = cadre_yannan.first_name = ""
    cadre_yannan.save()
    for user, shown in ((staff, "陈晓华"), (cadre_yannan, "cadre_yannan")):
        client.force_login(user)
        header = client.get(reverse("home")).content.decode().split("<main>")[0]
        assert f">{shown}</a>" in header, header


@pytest.fixture
def demo(db):
    call_command("load_demo", verbosity=0)


def test_demo_fixture_retells_the_seed(demo):
    yannan = Project.objects.get(name="临港国际产业社区（烟南片区）土地征收")
    assert yannan.kind == Project.Kind.ACQUISITION
    assert yannan.cases.count() > 500  # "面对500多户的征地工作"
    # 17 statutory steps of the default template (DESIGN.md "Procedures"), with the
    # conditional hearing and re-announcement, and the acquisition announcement as issued
    # (within 15 working days) and posted (at least 10 working days).
    assert yannan.stages.count() == 17
    assert yannan.stages.get(order=3).early_reason  # results shown 9 working days, not 10

    zhennan_vote = Vote.objects.get(village__name="镇南村")
    ballots = Ballot.objects.filter(vote=zhennan_vote)
    assert zhennan_vote.status == Vote.Status.CERTIFIED
    assert ballots.count() == zhennan_vote.voters.count() > 0
    assert not ballots.exclude(choice="for").exists()  # 100% 赞成率
    assert zhennan_vote.result["approval"] == "1/1"

    nanyang = Project.objects.get(kind=Project.Kind.INDUSTRIAL_TO_COMMERCIAL)
    assert Visit.objects.filter(case__project=nanyang).count() > 300  # "300多次"
    opposed_once = nanyang.cases.filter(visits__stance="opposed").distinct()
    assert opposed_once.exists()
    assert not opposed_once.filter(visit_count__lt=3).exists()  # "不少于三次"
    cunwei_vote = Vote.objects.get(cooperative__name="村尾经济社")
    assert cunwei_vote.result["passed"] is True
    assert cunwei_vote.ballots.count() == cunwei_vote.result["present"]
    assert not nanyang.cases.exclude(status=Case.Status.SIGNED).exists()

    assert Project.objects.count() == 5
    assert all(p.stages.exists() for p in Project.objects.all())
    assert not Household.objects.exclude(notes__contains="虚构").exists()


def test_case_figures_in_the_demo_agree_with_its_visits(demo):
    from django.db.models import Count, Max

    for case in Case.objects.annotate(n=Count("visits"), last=Max("visits__visited_on"))[:300]:
        assert (case.visit_count, case.last_visit_on) == (case.n, case.last)


def test_demo_log_ins_work_and_loading_twice_changes_nothing(demo, client):
    households = Household.objects.count()
    call_command("load_demo", verbosity=0)
    assert Household.objects.count() == households
    for username in ("admin", "staff", "cadre", "leader"):
        assert client.login(username=username, password="jiujiang-demo")
    client.login(username="cadre", password="jiujiang-demo")
    response = client.get(reverse("home"))
    assert "烟南片区" in response.content.decode()
    assert "镇南片区" not in response.content.decode()


@pytest.fixture
def admin_client_demo(demo, client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="admin"))
    return client


def test_every_admin_changelist_add_and_change_page_renders(admin_client_demo):
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        response = admin_client_demo.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert response.status_code == 200, info
        if model_admin.has_add_permission(response.wsgi_request):
            assert (
                admin_client_demo.get(reverse("admin:{}_{}_add".format(*info))).status_code == 200
            )
        obj = model_admin.get_queryset(response.wsgi_request).first()
        if obj is not None:
            url = reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
            assert admin_client_demo.get(url).status_code == 200, url


def test_admin_search_and_filters_answer(admin_client_demo):
    url = reverse("admin:cases_household_changelist")
    assert admin_client_demo.get(url, {"q": "001"}).status_code == 200
    url = reverse("admin:cases_case_changelist")
    assert admin_client_demo.get(url, {"status__exact": "opposed"}).status_code == 200
