"""A local webhook receiver over real HTTP, standing in for every Apprise channel."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from django.utils import timezone

from likewatch.alerts.models import AlertSettings
from likewatch.organisers.models import CampaignSettings
from likewatch.sources.base import Count
from likewatch.tracking import history
from likewatch.tracking.models import Campaign, CampaignPage, Page

# A 1x1 PNG: what the site serves as the share card.
CARD = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


class Receiver:
    """Records what Apprise posts; serves the share card at /card/c/<slug>.png."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.posts: list[dict] = []
        self.card_requests = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the stdlib's name)
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                receiver.posts.append({"path": self.path, "json": json.loads(body or b"{}")})
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self):  # noqa: N802
                if self.path.startswith("/card/c/") and self.path.endswith(".png"):
                    receiver.card_requests += 1
                    self.send_response(200)
                    self.send_header("Content-Type", "image/png")
                    self.send_header("Content-Length", str(len(CARD)))
                    self.end_headers()
                    self.wfile.write(CARD)
                else:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

            do_HEAD = do_GET  # noqa: N815

            def log_message(self, format, *args):  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def apprise_url(self) -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture
def receiver(settings):
    """The receiver, also serving as the public site (SITE_URL) for the share card."""
    hook = Receiver()
    hook.thread.start()
    settings.SITE_URL = hook.base_url
    yield hook
    hook.server.shutdown()
    hook.server.server_close()


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def start():
    return timezone.now() - timedelta(hours=2)


@pytest.fixture
def campaign(db, start):
    campaign = Campaign.objects.create(
        slug="unlike", title="Quittez l'opérateur", starts_at=start, language="fr", target=5000
    )
    CampaignSettings.objects.create(campaign=campaign, milestone_every=1000)
    return campaign


@pytest.fixture
def page(campaign, start):
    page = Page.objects.create(
        platform="facebook", platform_id="1", metric="followers", name="Opérateur", interval=300
    )
    CampaignPage.objects.create(campaign=campaign, page=page, direction="leave")
    history.record_count(page, Count(100_000), start)
    return page


@pytest.fixture
def alerting(campaign, receiver):
    config = AlertSettings(campaign=campaign, digest_seconds=60)
    config.urls = [receiver.apprise_url]
    config.save()
    return config


def drop(page, to: int, at=None):
    """The page's count falls to `to` (people leave)."""
    return history.record_count(page, Count(to), at or timezone.now())
