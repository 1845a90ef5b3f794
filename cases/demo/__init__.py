"""The demo data: Jiujiang town's land-consolidation work as told by the seed news report.

Names of the town, its villages and communities, party organisations, 村尾经济社 and the
projects are real (``shared/seed``). Every household, person, ID number, phone number,
cooperative other than 村尾经济社, area and amount is INVENTED, generated deterministically
from a fixed random seed; each household's notes say so. So are the votes the report does not
tell (河清社区's and 金星马's, and the open vote of 东头经济社): their subjects say
"（演示数据）".

What the demo keeps, and ``tests/test_demo.py`` checks over the loaded demo: the cases of a
project never add up to more than its area; each project's stages are planned and done in
order, within the project's dates, following the story; a vote step (民事民决) is done on or
after its votes were certified; every vote cites a law in force when it opened.

``build()`` writes it to the database, the same rows each time, down to the timestamps and the
visits' client ids (``_settle``); ``build_demo_fixture`` dumps it to
``fixtures/demo.json``, which ``load_demo`` (``make run``) loads with ``loaddata``. The open
vote's dates are relative to the day the demo is loaded, so ``load_demo`` adds it
(``open_vote``) rather than the fixture.

Modules: ``people`` (the town, its field workers, the invented households and members),
``fieldwork`` (projects, their areas, stages, cases and visits), ``ballots`` (votes entered
through the services, and the open vote), ``stories`` (one function per project of the report).
"""

import random
import uuid
from datetime import date

from ..models import Household, Meeting, Visit
from .ballots import (
    OPEN_VOTE_CAST as OPEN_VOTE_CAST,
    OPEN_VOTE_CLOSES_IN_DAYS as OPEN_VOTE_CLOSES_IN_DAYS,
    OPEN_VOTE_OPENED_DAYS_AGO as OPEN_VOTE_OPENED_DAYS_AGO,
    OPEN_VOTE_SUBJECT as OPEN_VOTE_SUBJECT,
    open_vote as open_vote,
)
from .fieldwork import _finish_cases
from .people import ACCOUNTS_MADE_ON, SEED, _evening, _geography, _households
from .stories import (
    YANNAN_EARLY_REASON as YANNAN_EARLY_REASON,
    YANNAN_STEPS as YANNAN_STEPS,
    _heqing,
    _jinxingma,
    _nanyang,
    _yannan,
    _zhennan,
)


def build() -> None:
    """Write the whole demo to an empty database (deterministic: same seed, same data)."""
    rng = random.Random(SEED)
    ctx = _geography(rng)
    households = _households(ctx)
    project, cases, final = _yannan(ctx, households)
    _finish_cases(cases, final)
    _zhennan(ctx, households)
    _nanyang(ctx, households)
    _heqing(ctx, households)
    _jinxingma(ctx, households)
    Meeting.objects.create(
        project=project,
        kind=Meeting.Kind.CADRES,
        held_on=date(2021, 1, 8),
        place="烟南村委会",
        village=ctx.villages["烟南村"],
        branch=ctx.branches["烟南村"],
        attendance=24,
        summary="召集各经济社负责人开会，详细讲解土地整理方案。",
    )
    _settle()


#: The namespace of the demo visits' client ids (``uuid5`` of the visit's id).
DEMO_VISITS = uuid.UUID("6b1f3e0a-2d4c-5b7e-9a1d-0c3f5e7a9b2d")


def _settle() -> None:
    """Fix what the database would otherwise take from the clock or from chance, so that
    ``fixtures/demo.json`` is the same bytes each time it is built: the households were
    recorded the evening the township's accounts were made (``ACCOUNTS_MADE_ON``), and each
    visit's client id (random for a visit logged by a person, to tell a re-sent form) is
    derived from the visit's id."""
    recorded = _evening(ACCOUNTS_MADE_ON)
    Household.objects.update(created_at=recorded, updated_at=recorded)
    visits = list(Visit.objects.only("pk"))
    for visit in visits:
        visit.client_id = uuid.uuid5(DEMO_VISITS, str(visit.pk))
    Visit.objects.bulk_update(visits, ["client_id"], batch_size=500)
