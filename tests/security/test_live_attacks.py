"""Request forgery through the organisers' interface, against the real server on loopback.

An organiser is not a trusted administrator: anyone may create a campaign. Each test signs one
in, attacks through the site's own forms, and checks the internal service (127.0.0.1) received
nothing and no answer of it shows anywhere.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from likewatch.alerts.models import AlertSettings
from likewatch.tracking.models import Campaign, Page

from .live import Browser, organiser
from .servers import FakeServer, internal, redirecting, reply

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def only_the_public_site(settings):
    settings.LIKEWATCH_OUTBOUND_ALLOW = ["127.0.0.2"]
    settings.LIKEWATCH_HTTP_DEADLINE = 3.0
    return settings


@pytest.fixture
def campaign(db):
    return Campaign.objects.create(slug="unlike", title="Unlike", starts_at=timezone.now())


@pytest.fixture
def browser(live_server, campaign):
    browser = Browser(live_server.url, organiser(campaign))
    yield browser
    browser.close()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1", "2130706433", "[::1]", "0.0.0.0"])
def test_an_editor_cannot_make_the_server_fetch_an_internal_json(browser, host):
    with internal() as service:
        answer = browser.post_form(
            "/manage/c/unlike/pages/add/",
            {"lines": f"json:http://{host}:{service.port}/admin.json count", "direction": "leave"},
        )
    assert answer.status_code == 200
    assert service.hits == []
    assert "hunter2" not in answer.text and "4242" not in answer.text
    assert not Page.objects.exists()


def test_an_editor_cannot_reach_it_through_a_redirect_either(browser):
    with internal() as service, redirecting(f"{service.url}/admin.json") as site:
        answer = browser.post_form(
            "/manage/c/unlike/pages/add/",
            {"lines": f"web:{site.url}/page title", "direction": "leave"},
        )
    assert service.hits == [] and site.hits == ["/page"]
    assert "hunter2" not in answer.text
    assert not Page.objects.exists()


def test_a_catastrophic_pattern_does_not_stall_the_request(browser):
    body = b"<html><title>Page</title><p>" + b"a" * 50_000 + b"!</p>"
    with FakeServer(
        lambda h: reply(h, body=body, headers={"Content-Type": "text/html"}), host="127.0.0.2"
    ) as site:
        answer = browser.post_form(
            "/manage/c/unlike/pages/add/",
            {"lines": f"web:{site.url}/ /(a+)+$/", "direction": "leave"},
        )
    assert answer.status_code == 200 and site.hits == ["/"]
    assert not Page.objects.exists()


def test_alert_addresses_cannot_post_to_internal_services(browser, campaign):
    with internal() as service:
        url = f"json://user:pass@127.0.0.1:{service.port}/path?+Header=v"
        answer = browser.post_form(
            "/manage/c/unlike/alerts/",
            {"urls": url, "enabled": "on", "digest_seconds": "60"},
        )
        assert "not on the public internet" in answer.text
        assert AlertSettings.objects.get(campaign=campaign).urls == []
    assert service.hits == []


def test_the_test_button_tells_nothing_about_internal_ports(browser, campaign):
    """Saved before the guard (or via a name that later resolves inside): still never sent,
    and an open port and a closed one give the same answer."""
    with internal() as open_service:
        closed_port = open_service.port + 1 if open_service.port < 65535 else 1024
        config = AlertSettings.objects.get_or_create(campaign=campaign)[0]
        answers = []
        for port in (open_service.port, closed_port):
            config.urls = [f"json://127.0.0.1:{port}/hook"]
            config.save()
            page = browser.post_form(
                "/manage/c/unlike/alerts/test/", {}, form_path="/manage/c/unlike/alerts/"
            )
            answers.append(_message(page.text))
    assert open_service.hits == []
    assert answers[0] == answers[1] and "failed" in answers[0]


def _message(html: str) -> str:
    import re

    found = re.search(r'<ul class="messages">(.*?)</ul>', html, re.S)
    assert found, "the page shows no message"
    return found.group(1)


def test_adding_a_page_another_campaign_tracks_reveals_nothing(browser, campaign):
    from likewatch.tracking.models import CampaignPage

    with FakeServer(lambda h: reply(h, body=b'{"count": 321}'), host="127.0.0.2") as site:
        line = f"json:{site.url}/count.json count"
        secret = Campaign.objects.create(
            slug="secret-b", title="Secret B", starts_at=timezone.now(), public=False
        )
        first = browser.post_form(
            "/manage/c/unlike/pages/add/", {"lines": line, "direction": "leave"}
        )
        page = Page.objects.get()
        CampaignPage.objects.filter(campaign=campaign).delete()
        CampaignPage.objects.create(campaign=secret, page=page)
        again = browser.post_form(
            "/manage/c/unlike/pages/add/", {"lines": line, "direction": "leave"}
        )
    assert "321" in first.text or page.label in first.text
    for answer in (first, again):
        assert "already" not in answer.text and "Secret B" not in answer.text
    assert CampaignPage.objects.filter(campaign=campaign, page=page).exists()
