"""Frictions found walking the users' tasks end to end on the demo, held by Django tests (the
browser's are in tests/browser/test_walk_browser.py)."""

import re
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from cases.models import Ballot, Meeting, Project, Vote

#: Latin punctuation against a Chinese character: "法定人数: …; 通过条件: …", "(66.7%)".
HALF_WIDTH = re.compile(
    r"[\u4e00-\u9fff）][:;(]|[(][\u4e00-\u9fff\d][^)]*[)]|[:;] ?[\u4e00-\u9fff]"
)


@pytest.fixture
def loaded(db):
    call_command("load_demo", verbosity=0)


def _text(html: str) -> str:
    """What <main> shows, without its tags, scripts or attributes."""
    main = html.split("<main>", 1)[1].split("</main>", 1)[0]
    return unescape(re.sub(r"<[^>]+>", " ", main))


def test_the_chinese_pages_punctuate_in_chinese(loaded, client):
    """The rule read "法定人数: 表决人数的2/3以上; 通过条件: …", the tally's threshold
    "通过标准: … (66.7%)", the home page "523户中已签约504户 (96.4%)", a ballot by proxy
    "书面委托 (关子)", a meeting's vote "会上表决: …": Latin colons, semicolons and brackets
    in Chinese sentences. Every vote page, the home page, the households with a proxy ballot and
    every meeting list now read with Chinese punctuation."""
    client.force_login(get_user_model().objects.get(username="admin"))
    urls = [reverse("home"), reverse("vote_new")]
    for vote in Vote.objects.all():
        urls += [reverse("vote_detail", args=[vote.pk]), reverse("vote_notice", args=[vote.pk])]
    for ballot in Ballot.objects.exclude(proxy_name="").order_by("pk")[:3]:
        urls.append(reverse("household_detail", args=[ballot.voter.household_id]))
    for project in Project.objects.filter(pk__in=Meeting.objects.values("project")):
        urls.append(reverse("meeting_list", args=[project.pk]))
    assert Vote.objects.filter(status=Vote.Status.CERTIFIED).exists()
    assert Meeting.objects.filter(votes__isnull=False).exists()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = _text(response.content.decode())
        assert not HALF_WIDTH.findall(text), (url, HALF_WIDTH.findall(text))
