"""History imported for the time before a page was tracked (a backfill) is history the
detector learns from: the first window of a newly tracked page is judged against it.

Today the detector still passes over backfilled records (seqs after the history, times before
it); a huge step in a page's first fetches is flagged by its rule for a short history
(`Detector._before_warm`), live and in a rescan alike."""

from datetime import timedelta

import numpy as np
import pytest

from likewatch.events.models import Event
from likewatch.events.scan import scan_page
from likewatch.sources.base import Count
from likewatch.tracking.history import Entry, record_backfill, record_count
from likewatch.tracking.models import Provenance

from .conftest import T0

pytestmark = pytest.mark.django_db


def test_a_drop_in_the_first_hour_of_a_page_with_backfilled_history_is_flagged_live(
    page, django_capture_on_commit_callbacks
):
    rng = np.random.default_rng(4)
    step = timedelta(seconds=page.interval)
    with django_capture_on_commit_callbacks(execute=True):
        record_count(page, Count(3_000_000), T0)
    # A week at the page's own interval, imported from another tracker.
    week = 7 * 24 * 3600 // page.interval
    older = 3_000_000 - np.cumsum(rng.poisson(40, week))[::-1]
    with django_capture_on_commit_callbacks(execute=True):
        record_backfill(
            [
                Entry(page, Count(int(v)), T0 - (week - n) * step, Provenance.IMPORTED)
                for n, v in enumerate(older)
            ]
        )
    value = 3_000_000
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(1, 13):
            value += int(rng.poisson(40)) - (150_000 if n == 8 else 0)
            record_count(page, Count(value), T0 + n * step)
    live = list(Event.objects.filter(kind="purge").values_list("start", "end", "size"))
    assert len(live) == 1 and live[0][2] < -140_000
    scan_page(page, rescan=True)
    assert list(Event.objects.filter(kind="purge").values_list("start", "end", "size")) == live
