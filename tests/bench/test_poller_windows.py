"""The poller benchmark's spread: each whole minute of the sustained run is a sample."""

from bench.poller import windows


def test_each_whole_minute_gives_its_lag_percentiles_and_its_cpu():
    result = {
        # (seconds into the run, CPU-seconds of the poller, of its database backends)
        "marks": [(0.0, 10.0, 5.0), (60.0, 22.0, 8.0), (120.0, 28.0, 9.0)],
        # Fetches committed in the first minute lag 1 s, in the second 3 s; one at 130 s, in
        # the unfinished third minute, belongs to no sample.
        "lags": [1.0] * 100 + [3.0] * 100 + [50.0],
        "lag_at": [10.0] * 100 + [70.0] * 100 + [130.0],
    }
    first, second = windows(result)
    assert (first["p50"], first["p99"], second["p99"]) == (1.0, 1.0, 3.0)
    assert first["cpu"] == 12.0 / 60 and second["cpu"] == 6.0 / 60
    assert first["with_db"] == 15.0 / 60 and second["with_db"] == 7.0 / 60


def test_a_run_shorter_than_a_minute_has_no_sample():
    assert windows({"marks": [(0.0, 1.0, 0.0)], "lags": [0.5], "lag_at": [3.0]}) == []
