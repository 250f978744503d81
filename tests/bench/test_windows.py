"""bench/_windows.py: how the polling benchmarks cut a sustained run into samples."""

import pytest

from bench._windows import Windows, window_count


def test_a_run_is_cut_into_polling_intervals_at_least_three():
    assert [window_count(s) for s in (600, 300, 240, 120, 90)] == [10, 5, 4, 3, 3]


@pytest.mark.django_db
def test_each_fetch_belongs_to_the_window_it_was_committed_in_and_nothing_is_left_out():
    lags: list[float] = []
    windows = Windows(600, lags)  # ten windows of a minute: the thread closes none here
    assert (windows.count, windows.length) == (10, 60.0)
    windows.start()
    lags.extend([1.0, 2.0, 3.0])
    windows.close()  # as the thread does at a window's end
    lags.append(4.0)
    windows.finish()  # the last window, closed after the run
    assert [(w["fetches"], w["lags"]) for w in windows.done] == [(3, [1.0, 2.0, 3.0]), (1, [4.0])]
    total = windows.total()
    assert total["wall"] == sum(w["wall"] for w in windows.done) > 0
    assert total["cpu"] == sum(w["cpu"] for w in windows.done) >= 0
