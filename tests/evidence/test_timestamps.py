"""RFC 3161 timestamps: asked of the configured authority, never at the checkpoint's cost.

No local RFC 3161 authority is available to these tests (the client library, rfc3161-client,
has no server side), so what is checked here is the request (a DER TimeStampReq over the
checkpoint's text, posted as application/timestamp-query) and that an authority answering
badly costs the timestamp and nothing else. A real token is not produced here.
"""

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from likewatch.evidence import checkpoints, note
from likewatch.sources.base import Count
from likewatch.tracking import history
from likewatch.tracking.models import Page

from .conftest import minutes

pytestmark = pytest.mark.django_db


@pytest.fixture
def authority():
    """A stand-in on loopback that records requests and answers with garbage."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append((self.headers["Content-Type"], body))
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.end_headers()
            self.wfile.write(b"\x30\x03\x02\x01\x02")  # not a TimeStampResp

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/tsa", seen
    server.shutdown()


def test_a_checkpoint_is_sent_for_timestamping_and_a_bad_answer_costs_only_the_stamp(
    authority, settings, signing_key
):
    url, seen = authority
    settings.LIKEWATCH_TSA_URL = url
    settings.LIKEWATCH_OUTBOUND_ALLOW = ["127.0.0.1"]  # the operator allows its own TSA
    page = Page.objects.create(platform="facebook", platform_id="1", metric="likes")
    history.record_count(page, Count(10), minutes(0))
    checkpoint, created = checkpoints.make()
    assert created and checkpoint.timestamp_token is None
    ((content_type, body),) = seen
    assert content_type == "application/timestamp-query"
    text = note.parse(checkpoint.note).text.encode()
    assert hashlib.sha256(text).digest() in body  # the imprint: SHA-256 of the checkpoint
    assert body.startswith(b"\x30")  # a DER SEQUENCE: the TimeStampReq


def test_a_timestamp_authority_on_a_private_address_must_be_allowed(
    authority, settings, signing_key
):
    url, seen = authority
    settings.LIKEWATCH_TSA_URL = url
    settings.LIKEWATCH_OUTBOUND_ALLOW = []
    page = Page.objects.create(platform="facebook", platform_id="1", metric="likes")
    history.record_count(page, Count(10), minutes(0))
    checkpoint, created = checkpoints.make()
    assert created and seen == []  # refused before any request, and the checkpoint is made
