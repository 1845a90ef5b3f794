"""The scale benchmark's load phase leaves the district as it found it: the visits it posted
are taken out with their visitors and history rows, and their cases put back as they were
(``benchmarks/load/visits.py``)."""

import uuid
from datetime import date

from django.forms.models import model_to_dict
from django.utils import timezone

from benchmarks.load.visits import remove_load_visits
from cases.models import Case, Visit
from cases.services import visit_record

from .factories import bulk_cases
from .support import postgres_only

PREFIX = "b0a7c1e5"


def _state():
    return {
        "visits": Visit.objects.count(),
        "visitors": Visit.visitors.through.objects.count(),
        "visit history": Visit.history.model.objects.count(),
        "visitors history": Visit.history.model.visitors.model.objects.count(),
        "case history": Case.history.model.objects.count(),
        "cases": {c.pk: model_to_dict(c) for c in Case.objects.all()},
    }


@postgres_only
def test_the_load_phase_takes_its_visits_out_and_puts_the_cases_back(
    yannan_project, yannan_coop, staff
):
    loaded = bulk_cases(yannan_project, yannan_coop, 4, recorder=staff)
    untouched = bulk_cases(yannan_project, yannan_coop, 1, recorder=staff, start=100)[0]
    as_seeded = list(Case.objects.filter(pk__in=[c.pk for c in loaded]))
    before = _state()
    since = timezone.now()
    for i, case in enumerate(loaded * 2):  # two visits to each case, as the phase posts
        client_id = uuid.UUID(f"{PREFIX}-0000-4000-8000-{i:012d}")
        visit_record(
            case=case,
            recorded_by=staff,
            visited_on=date.today(),
            stance="supportive",
            client_id=client_id,
        )
    assert Visit.objects.count() == before["visits"] + 8
    assert Case.objects.get(pk=loaded[0].pk).visit_count == as_seeded[0].visit_count + 2

    assert remove_load_visits(PREFIX, as_seeded, since) == 8
    assert _state() == before
    assert Visit.objects.filter(case=untouched).exists()  # other visits stay
