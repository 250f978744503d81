"""The poller benchmark's spread: each window (a minute) of the sustained run is a sample."""

from bench.poller import windows


def test_each_window_gives_its_lag_percentiles_and_its_cpu():
    result = {
        # Each window as bench/_windows.py closes it: its wall-clock seconds, CPU-seconds of
        # the poller and of its database backends, and the lags of the fetches committed in it.
        "windows": [
            {"wall": 60.0, "cpu": 12.0, "db_cpu": 3.0, "fetches": 100, "lags": [1.0] * 100},
            {"wall": 60.0, "cpu": 6.0, "db_cpu": 1.0, "fetches": 10, "lags": [3.0] * 9 + [50.0]},
        ],
    }
    first, second = windows(result)
    assert (first["p50"], first["p99"], second["p50"], second["p99"]) == (1.0, 1.0, 3.0, 50)
    assert first["cpu"] == 12.0 / 60 and second["cpu"] == 6.0 / 60
    assert first["with_db"] == 15.0 / 60 and second["with_db"] == 7.0 / 60


def test_a_window_without_fetches_gives_no_lag_rather_than_a_lag_of_zero():
    stalled = {"wall": 60.0, "cpu": 1.0, "db_cpu": 0.0, "fetches": 0, "lags": []}
    (window,) = windows({"windows": [stalled]})
    assert (window["p50"], window["p99"], window["cpu"]) == (None, None, 1.0 / 60)
