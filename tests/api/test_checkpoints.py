"""The transparency log's checkpoints in the API: the newest, and a list with cosignatures."""

import base64
from datetime import UTC, datetime, timedelta

import pytest

from likewatch.evidence import checkpoints, consumer, keys, note
from likewatch.evidence.models import Checkpoint, Cosignature
from likewatch.sources.base import Count
from likewatch.tracking.history import record_count
from likewatch.tracking.models import Page

pytestmark = pytest.mark.django_db
T0 = datetime(2016, 2, 26, 22, 0, tzinfo=UTC)
# A witness's cosignature line: its name, then base64 of key id (4 bytes) and signature.
COSIGNATURE = "— witness.example " + base64.b64encode(b"wit1" + bytes(72)).decode() + "\n"


@pytest.fixture
def signed(settings, tmp_path):
    """A log of a page's counts with two checkpoints; the newer cosigned and timestamped."""
    settings.LIKEWATCH_SIGNING_KEY = tmp_path / "var" / "signing-key.pem"
    keys.ensure_key()
    page = Page.objects.create(platform="facebook", platform_id="1", metric="likes", name="T")
    record_count(page, Count(1000), T0)
    consumer.catch_up()
    older, _ = checkpoints.make(now=T0, ask_witnesses=False)
    record_count(page, Count(990), T0 + timedelta(minutes=5))
    consumer.catch_up()
    newer, _ = checkpoints.make(now=T0 + timedelta(minutes=5), ask_witnesses=False)
    Cosignature.objects.create(
        checkpoint=newer,
        witness="witness.example",
        line=COSIGNATURE,
        signed_at=T0 + timedelta(minutes=6),
    )
    Checkpoint.objects.filter(pk=newer.pk).update(timestamp_token=b"\x30\x03\x02\x01\x01")
    return older, newer


def test_the_latest_checkpoint_is_the_newest_signed_note_with_its_cosignatures(api_get, signed):
    older, newer = signed
    response = api_get("/api/checkpoints/latest")
    assert response.status_code == 200
    latest = response.data
    assert latest["size"] == newer.size > older.size
    assert latest["cosignatures"] == [
        {"witness": "witness.example", "signed_at": "2016-02-26T22:06:00Z"}
    ]
    assert latest["timestamped"] is True
    assert latest["note"].endswith(COSIGNATURE)
    # The note verifies with the log's published key, and names the root the API gives.
    vkey = api_get("/api/checkpoints").data["vkey"]
    opened, _ = note.open_checkpoint(latest["note"], note.Verifier.parse(vkey))
    assert opened.size == latest["size"]
    assert base64.b64encode(opened.root).decode() == latest["root"]


def test_the_list_gives_the_log_and_its_checkpoints_newest_first(api_get, signed):
    older, newer = signed
    listing = api_get("/api/checkpoints").data
    assert listing["origin"] == checkpoints.origin()
    assert listing["uncovered_leaves"] == 0
    sizes = [c["size"] for c in listing["checkpoints"]]
    assert sizes == [newer.size, older.size]
    first, second = listing["checkpoints"]
    assert first["timestamped"] is True and second["timestamped"] is False
    assert second["cosignatures"] == []


def test_the_api_and_the_evidence_pages_publish_checkpoints_in_one_form(api_get, client, signed):
    site = client.get("/evidence/checkpoints.json").json()
    assert api_get("/api/checkpoints").data == site


def test_before_any_checkpoint_the_latest_is_a_clear_404(api_get):
    response = api_get("/api/checkpoints/latest")
    assert response.status_code == 404
    assert response.data["code"] == "not_found"
    assert "No checkpoint" in response.data["detail"]
    assert api_get("/api/checkpoints").data["checkpoints"] == []
