import random
from datetime import UTC, datetime, timedelta

import pytest

from likewatch.sources.base import Count
from likewatch.sources.errors import Transient
from likewatch.tracking.history import record_count, record_failure
from likewatch.tracking.models import Page

T0 = datetime(2016, 2, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def page(db):
    return Page.objects.create(
        platform="facebook", platform_id="100", metric="likes", name="Maroc Telecom", interval=300
    )


@pytest.fixture
def measure():
    """Record fetches of `page` every interval: changes (None: a failed fetch) from `start`."""

    def run(page, changes, *, value=3_000_000, start=T0):
        at = start
        for change in [0, *changes]:
            if change is None:
                record_failure(page, Transient("timeout"), at)
            else:
                value += change
                record_count(page, Count(value), at)
            at += timedelta(seconds=page.interval)
        return at

    return run


def campaign(n, pace=-40, sd=8, seed=1):
    rng = random.Random(seed)
    return [round(pace + rng.gauss(0, sd)) for _ in range(n)]


@pytest.fixture
def history_reads(monkeypatch):
    """The pages each scan read history for (the rest were fed the consumer's records)."""
    from likewatch.events import scan

    reads = []
    real = scan._histories

    def reading(pages, since):
        reads.append(sorted(p.pk for p in pages))
        return real(pages, since)

    monkeypatch.setattr(scan, "_histories", reading)
    return reads


def rounds(page, changes, *, start, value):
    """Record `changes` (None: a failed fetch) one fetch a round; the next (moment, value)."""
    at = start
    for change in changes:
        at += timedelta(seconds=page.interval)
        if change is None:
            record_failure(page, Transient("timeout"), at)
        else:
            value += change
            record_count(page, Count(value), at)
    return at, value
