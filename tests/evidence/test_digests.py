"""The daily digest: every page's chain head, signed, once a day whoever asks."""

import json
from datetime import timedelta

import pytest

from likewatch.evidence import digests, keys
from likewatch.evidence.models import Digest
from likewatch.tracking import chain
from likewatch.tracking.models import Observation

from .conftest import minutes

pytestmark = pytest.mark.django_db


def test_a_digest_lists_each_pages_sealed_hash_and_open_head(history, signing_key):
    telecom, meditel = history
    digest, created = digests.make(now=minutes(45))

    content = json.loads(digest.body)
    assert created and digest.day == minutes(45).date()
    assert content["type"] == "likewatch-digest" and content["day"] == "2016-02-26"
    by_page = {p["page"]: p for p in content["pages"]}
    # 1000, 990, 985, 970, a failure, 960 sealed (seqs 1-6); 955 open (seq 7).
    last_sealed = Observation.objects.get(page=telecom, seq=6)
    assert (by_page[telecom.pk]["sealed_seq"], by_page[telecom.pk]["sealed_hash"]) == (
        6,
        last_sealed.hash,
    )
    head = Observation.objects.get(page=telecom, seq=7)
    assert by_page[telecom.pk]["head"] == {
        "prev_hash": last_sealed.hash,
        "record": chain.observation_form(telecom.pk, 7, head.__dict__),
    }
    assert by_page[meditel.pk]["head"]["record"]["fetches"] == 2


def test_the_signature_covers_the_exact_bytes(history, signing_key):
    digest, _ = digests.make(now=minutes(45))
    public = keys.load_public_pem(keys.public_pem())

    assert keys.is_valid(public, digest.body.encode(), digest.signature)
    assert digest.key_id == keys.key_id(public)
    assert not keys.is_valid(public, digest.body.replace("955", "956").encode(), digest.signature)


def test_making_the_days_digest_twice_keeps_the_first(history, signing_key):
    first, _ = digests.make(now=minutes(45))
    second, created = digests.make(now=minutes(50))

    assert not created and second.pk == first.pk
    assert Digest.objects.count() == 1
    _, next_day = digests.make(now=minutes(45) + timedelta(days=1))
    assert next_day and Digest.objects.count() == 2


def test_the_pollers_daily_step_signs_no_digest_any_more(history, signing_key):
    # Checkpoints after every round replace the daily digests, which named every page.
    daily = digests.Daily()
    daily(minutes(45))
    daily(minutes(45) + timedelta(days=1))

    assert not Digest.objects.exists()


def test_without_a_key_the_daily_step_waits(history, settings, tmp_path):
    settings.LIKEWATCH_SIGNING_KEY = tmp_path / "none.pem"
    digests.Daily()(minutes(45))
    assert not Digest.objects.exists()
