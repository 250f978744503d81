"""Attacks at poll time, through the real poller against real servers on loopback.

127.0.0.2 plays the tracked public sites (allowed explicitly); 127.0.0.1 is the internal
service. The NUL test runs on PostgreSQL too (DATABASE_URL=postgres://…), where a NUL used to
abort the round's whole transaction.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from likewatch.poller.loop import Poller
from likewatch.sources import platform_text
from likewatch.tracking.models import FetchFailure, Observation, Page

from .servers import SECRET, FakeServer, dripping, internal, redirecting, reply

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def only_the_public_site(settings):
    # The deadlines stay the configured ones (30 s a request, 60 s a read): a loopback answer
    # that a busy machine delays past a short deadline would fail a test about something
    # else. Only the dripping site's test shortens them, to bound its own length.
    settings.LIKEWATCH_OUTBOUND_ALLOW = ["127.0.0.2"]
    return settings


def json_page(url: str, key: str = "a") -> Page:
    return Page.objects.create(
        platform="json",
        platform_id=f"{url} count#{key}",
        metric="followers",
        url=url,
        options={"url": url, "expression": "count", "metric": "followers"},
        next_fetch_at=timezone.now() - timedelta(seconds=1),
    )


def web_page(url: str, pattern: str, key: str = "w") -> Page:
    return Page.objects.create(
        platform="web",
        platform_id=f"{url} #{key}",
        metric="followers",
        url=url,
        options={"url": url, "metric": "followers", "pattern": pattern, "scripts": False},
        next_fetch_at=timezone.now() - timedelta(seconds=1),
    )


def poll_once() -> int:
    poller = Poller(owner="attack-test")
    try:
        return poller.run_once()
    finally:
        poller.close()


def public_json(count: int = 1200) -> FakeServer:
    return FakeServer(lambda h: reply(h, body=b'{"count": %d}' % count), host="127.0.0.2")


def test_a_tracked_site_that_turns_into_a_redirect_to_an_internal_address(settings):
    """Followed at poll time before: the internal text landed in the public failure message."""
    with internal() as service, redirecting(f"{service.url}/admin.json") as site:
        page = json_page(f"{site.url}/count.json")
        assert poll_once() == 1
    assert service.hits == []
    failure = FetchFailure.objects.get(page=page)
    assert "hunter2" not in failure.message and "4242" not in failure.message
    assert not Observation.objects.filter(page=page).exists()
    page.refresh_from_db()
    assert "hunter2" not in page.name + page.last_error


def test_an_internal_address_is_never_fetched_even_when_stored(settings):
    with internal() as service:
        page = json_page(f"http://127.1:{service.port}/x")
        poll_once()
    assert service.hits == []
    assert "not a public internet address" in FetchFailure.objects.get(page=page).message


def test_a_dripping_site_costs_its_own_page_not_the_round(settings):
    # The dripping site never finishes: the request deadline ends it whatever its length.
    # Long enough that the good site answers within it on a busy machine, short enough to
    # keep the test brief.
    settings.LIKEWATCH_HTTP_DEADLINE = 5.0
    settings.LIKEWATCH_READ_DEADLINE = 10.0
    with dripping(0.3) as drip, public_json(1500) as good:
        slow = json_page(f"{drip.url}/slow.json", key="slow")
        fine = json_page(f"{good.url}/fine.json", key="fine")
        assert poll_once() == 2
    assert Observation.objects.get(page=fine).value == 1500
    assert FetchFailure.objects.get(page=slow).kind == "transient"


def test_a_backtracking_pattern_runs_in_linear_time():
    """`(a+)+$` against a long run of a's: minutes with Python's re, nothing with RE2."""
    body = b"<html><title>t</title><p>" + b"a" * 50_000 + b"!</p>"
    with FakeServer(
        lambda h: reply(h, body=body, headers={"Content-Type": "text/html"}), host="127.0.0.2"
    ) as site:
        page = web_page(f"{site.url}/", r"(a+)+$")
        assert poll_once() == 1
    assert "matched nothing" in FetchFailure.objects.get(page=page).message


def test_a_nul_in_a_title_is_removed_and_every_page_is_recorded():
    html = b"<html><head><title>Ma\x00roc\x1b\xe2\x80\xae Telecom</title></head><p>12 345</p>"
    with (
        FakeServer(
            lambda h: reply(h, body=html, headers={"Content-Type": "text/html"}), host="127.0.0.2"
        ) as site,
        public_json(900) as good,
    ):
        titled = web_page(f"{site.url}/", r"(\d[\d ]*)")
        other = json_page(f"{good.url}/c.json")
        assert poll_once() == 2
    titled.refresh_from_db()
    assert titled.name == "Maroc Telecom"
    assert Observation.objects.get(page=titled).value == 12345
    assert Observation.objects.get(page=other).value == 900


def test_a_page_the_database_refuses_costs_only_that_page(monkeypatch):
    """Per-page isolation: with the cleaning switched off, PostgreSQL refuses the NUL title.

    The round falls back to recording page by page: the other page is recorded, the refused
    one gets a failure saying why. (SQLite stores NUL, so this runs on PostgreSQL only.)
    """
    if connection.vendor != "postgresql":
        pytest.skip("SQLite accepts NUL: run with DATABASE_URL=postgres://…")
    monkeypatch.setattr(platform_text, "clean", lambda text: text or "")
    html = b"<html><head><title>bad\x00name</title></head><p>77</p>"
    with (
        FakeServer(
            lambda h: reply(h, body=html, headers={"Content-Type": "text/html"}), host="127.0.0.2"
        ) as site,
        public_json(900) as good,
    ):
        refused = web_page(f"{site.url}/", r"(\d+)")
        other = json_page(f"{good.url}/c.json")
        poll_once()
    assert Observation.objects.get(page=other).value == 900
    assert "could not be stored" in FetchFailure.objects.get(page=refused).message


def test_platform_text_rules():
    assert platform_text.clean("a\x00b\x07c\u202ed\u2066e\nf") == "abcde f"
    assert platform_text.clean("\u200fمرحبا") == "\u200fمرحبا"  # direction marks stay
    assert platform_text.safe_link("javascript:alert(1)") == ""
    assert platform_text.safe_link("data:text/html,x") == ""
    assert platform_text.safe_link(" https://example.org/p ") == "https://example.org/p"
    assert platform_text.safe_link("https:///nohost") == ""
    assert SECRET  # the internal secret the other tests look for


@pytest.mark.django_db
def test_hostile_names_and_links_already_stored_are_shown_safely(client):
    """Rows stored before the cleaning: the name is isolated and stripped, the link dropped."""
    from django.utils import timezone as tz

    from likewatch.tracking.models import Campaign, CampaignPage

    campaign = Campaign.objects.create(slug="bidi", title="Bidi", starts_at=tz.now())
    page = Page.objects.create(
        platform="web",
        platform_id="x",
        metric="followers",
        name="evil\u202egnp.exe",
        url="javascript:alert(document.cookie)",
    )
    CampaignPage.objects.create(campaign=campaign, page=page)
    assert page.label == "evilgnp.exe" and page.link == ""
    board = client.get("/c/bidi/").content.decode()
    history = client.get(f"/p/{page.pk}/").content.decode()
    api = client.get(f"/api/pages/{page.pk}").json()
    for body in (board, history):
        assert "\u202e" not in body and "javascript:" not in body
    assert "<bdi>" in board
    assert api["url"] == ""
