"""Raw answers: kept with the record they produced, then packed per platform and compressed."""

from datetime import timedelta

import pytest

from likewatch.evidence import raw
from likewatch.evidence.models import RawBlock, RecentAnswer
from likewatch.evidence.verify import verify_database
from likewatch.sources.base import Count
from likewatch.tracking.history import record_count
from likewatch.tracking.models import Page

from .conftest import minutes

pytestmark = pytest.mark.django_db

BATCH = b'{"1": {"id": "1", "fan_count": 1000}, "2": {"id": "2", "fan_count": 500}}'


def answers(page) -> dict[int, bytes]:
    return raw.answers_of(page)


def test_each_new_record_keeps_its_answer_as_received(history):
    telecom, _ = history
    kept = answers(telecom)
    # 1000 twice (one span, seq 1), then 990, 985 twice, 970, a failure: seqs 1-5.
    assert kept[1] == b'{"fan_count": 1000}'
    assert kept[3] == b'{"fan_count": 985}'
    assert kept[5] == b'{"error": {"code": 803}}'
    assert RecentAnswer.objects.get(page=telecom, seq=5).kind == "failure"
    assert 6 not in kept  # recorded without an answer body
    assert raw.answer(telecom, 3, minutes(15)) == b'{"fan_count": 985}'


def test_packing_keeps_every_answer_and_a_batch_answer_once(history):
    pages = [
        Page.objects.create(platform="facebook", platform_id=str(i), metric="likes")
        for i in range(10, 15)
    ]
    for page in pages:
        record_count(page, Count(100), minutes(0), raw=BATCH)
    telecom, _ = history
    before = {page.pk: answers(page) for page in [telecom, *pages]}

    # Not yet: the answers span less than a block's time and are fewer than a block holds.
    assert raw.pack() == 0
    assert raw.pack(force=True) == 5 + 5
    assert not RecentAnswer.objects.exists()
    block = RawBlock.objects.get()
    assert (block.platform, block.answers) == ("facebook", 10)
    assert sum(1 for _ in raw.decode(block.data)) == 10
    # The fifty-page answer is stored once: the block is smaller than five copies of it.
    assert len(raw.encode([(1, 1, "observation", minutes(0), BATCH)] * 5)) < 2 * len(BATCH)
    assert {page.pk: answers(page) for page in [telecom, *pages]} == before
    assert raw.answer(telecom, 3, minutes(15)) == b'{"fan_count": 985}'
    assert raw.answer(telecom, 3, minutes(15) + timedelta(days=2)) is None  # not at that time


def test_a_platform_packs_by_itself_once_its_answers_span_an_hour(history):
    telecom, _ = history
    record_count(telecom, Count(1), minutes(0) + timedelta(seconds=raw.BLOCK_SECONDS), raw=b"1")
    assert raw.pack() == 6
    assert answers(telecom)[8] == b"1"


def test_a_damaged_block_is_refused_with_a_clear_error():
    data = raw.encode([(1, 1, "observation", minutes(0), b"x")])
    with pytest.raises(raw.CorruptBlock):
        raw.decode(data[:-3])
    with pytest.raises(raw.CorruptBlock):
        raw.decode(data + b"\x00")


def test_pruning_deletes_old_answers_and_keeps_the_chain(history, settings):
    settings.LIKEWATCH_RAW_RETENTION_DAYS = 30
    telecom, _ = history
    record_count(telecom, Count(1), minutes(0) + timedelta(days=20), raw=b"late")
    raw.pack(force=True)
    record_count(telecom, Count(2), minutes(0) + timedelta(days=25), raw=b"later")

    assert raw.prune(minutes(0) + timedelta(days=29)) == 0
    # The block holding the early answers also holds the one of day 20: it goes with it.
    assert raw.prune(minutes(0) + timedelta(days=51)) == 6
    assert answers(telecom) == {9: b"later"}
    assert raw.prune(minutes(0) + timedelta(days=56)) == 1
    assert verify_database().ok


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

    kept = [answers(page)[1] for page in Page.objects.order_by("pk")]
    assert len(kept) == 2 and kept[0] == kept[1]  # one answer, both metrics
    answer = kept[0]
    assert b'"fan_count"' in answer and b"MarocTelecom" in answer
    assert b"test-token" not in answer
