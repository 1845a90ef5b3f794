"""The admin names people as the app's pages do (黄立新), not by their username (ym01): who
recorded a visit or a ballot, opened or certified a vote, marked a stage done, uploaded its
evidence, looked at an ID number, holds a staff profile."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases.models import RevealLog, Vote
from cases.services import stage_evidence_add, visit_record

from .factories import (
    BallotFactory,
    CaseFactory,
    StageFactory,
    VoteFactory,
    VoterFactory,
    township_staff,
)
from .test_procedures import JPEG


@pytest.fixture
def recorder():
    return township_staff(username="ym01", last_name="冯", first_name="德昌")


def _pages(case, vote, ballot, stage):
    return [
        reverse("admin:cases_case_change", args=[case.pk]),
        reverse("admin:cases_visit_change", args=[case.visits.get().pk]),
        reverse("admin:cases_vote_change", args=[vote.pk]),
        reverse("admin:cases_ballot_change", args=[ballot.pk]),
        reverse("admin:cases_ballot_changelist"),
        reverse("admin:cases_stage_change", args=[stage.pk]),
        reverse("admin:cases_reveallog_changelist"),
        reverse("admin:cases_staffprofile_changelist"),
    ]


def test_the_admin_names_the_people_who_did_things(
    client, superuser, recorder, yannan_coop, media_root
):
    case = CaseFactory(household__cooperative=yannan_coop)
    visit_record(case=case, recorded_by=recorder, visited_on=timezone.localdate())
    vote = VoteFactory(
        village=yannan_coop.village,
        status=Vote.Status.OPEN,
        opened_by=recorder,
        opened_at=timezone.now(),
    )
    ballot = BallotFactory(voter=VoterFactory(vote=vote), recorded_by=recorder)
    stage = StageFactory(done_on=date(2021, 1, 15), done_by=recorder)
    stage_evidence_add(stage=stage, upload=SimpleUploadedFile("notice.jpg", JPEG), user=recorder)
    RevealLog.objects.create(user=recorder, subject="黄惠家", field=RevealLog.Field.ID_NUMBER)
    client.force_login(superuser)

    for url in _pages(case, vote, ballot, stage):
        page = client.get(url).content.decode()
        assert "冯德昌" in page, url
        assert ">ym01<" not in page and "ym01</" not in page, url
