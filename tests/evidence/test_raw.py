"""Raw answers: kept compressed, once per body, linked to the record they produced."""

import zlib
from datetime import timedelta

import pytest

from likewatch.evidence import raw
from likewatch.evidence.models import RawAnswer, RawLink
from likewatch.evidence.verify import verify_database
from likewatch.sources.base import Count
from likewatch.tracking.history import record_count
from likewatch.tracking.models import Page

from .conftest import minutes

pytestmark = pytest.mark.django_db

BATCH = b'{"1": {"id": "1", "fan_count": 1000}, "2": {"id": "2", "fan_count": 500}}'


def test_one_batch_answer_is_stored_once_for_every_page_it_served(history):
    pages = [
        Page.objects.create(platform="facebook", platform_id=str(i), metric="likes")
        for i in range(10, 15)
    ]
    for page in pages:
        record_count(page, Count(100), minutes(0), raw=BATCH)

    answer = RawAnswer.objects.get(sha256=raw.digest(BATCH))
    assert answer.size == len(BATCH)
    assert zlib.decompress(bytes(answer.body)) == BATCH
    assert RawLink.objects.filter(sha256=answer.sha256).count() == 5
    assert raw.body(answer.sha256) == BATCH


def test_a_span_links_the_answer_of_its_first_fetch_only(history):
    telecom, _ = history
    links = {link.seq: link for link in RawLink.objects.filter(page=telecom)}

    # 1000 twice (one span, seq 1), then 990, 985 twice, 970, a failure: seqs 1-5.
    assert raw.body(links[1].sha256) == b'{"fan_count": 1000}'
    assert raw.body(links[3].sha256) == b'{"fan_count": 985}'
    assert links[5].kind == "failure"
    assert raw.body(links[5].sha256) == b'{"error": {"code": 803}}'
    assert 6 not in links  # recorded without an answer body


def test_pruning_deletes_old_bodies_and_keeps_links_and_the_chain(history, settings):
    settings.LIKEWATCH_RAW_RETENTION_DAYS = 30
    kept_links = RawLink.objects.count()
    bodies = RawAnswer.objects.count()

    assert raw.prune(minutes(0) + timedelta(days=29)) == 0
    assert raw.prune(minutes(0) + timedelta(days=31)) == bodies == 5
    assert RawAnswer.objects.count() == 0
    assert RawLink.objects.count() == kept_links
    assert raw.body(RawLink.objects.first().sha256) is None
    assert verify_database().ok


def test_a_body_received_again_is_kept_longer(history, settings):
    settings.LIKEWATCH_RAW_RETENTION_DAYS = 30
    later = minutes(0) + timedelta(days=20)
    raw.store(b'{"fan_count": 1000}', later)

    raw.prune(minutes(0) + timedelta(days=31))

    assert list(RawAnswer.objects.values_list("sha256", flat=True)) == [
        raw.digest(b'{"fan_count": 1000}')
    ]


def test_the_poller_keeps_the_answer_each_page_was_read_from(facebook_settings, simulator):
    from datetime import timedelta as td

    from django.utils import timezone

    from likewatch.poller.loop import Poller

    due = timezone.now() - td(seconds=1)
    for metric in ("likes", "followers"):
        Page.objects.create(
            platform="facebook", platform_id="MarocTelecom", metric=metric, next_fetch_at=due
        )
    poller = Poller(owner="test")
    try:
        assert poller.run_once() == 2
    finally:
        poller.close()

    links = list(RawLink.objects.all())
    assert len(links) == 2 and links[0].sha256 == links[1].sha256  # one answer, both metrics
    answer = raw.body(links[0].sha256)
    assert b'"fan_count"' in answer and b"MarocTelecom" in answer
    assert b"test-token" not in answer
