"""The late-answer sweep lays late answers where its docstring says and counts what it says."""

from collections import Counter

from bench import _flapsweep


def test_a_late_answer_is_the_count_lag_fetches_earlier_at_the_same_fetches_each_run():
    values = list(range(1000, 3000))
    late = _flapsweep.late(values, 0.05, 12, "page")
    changed = [i for i, (v, w) in enumerate(zip(values, late, strict=True)) if v != w]
    assert 60 <= len(changed) <= 140  # about 5 % of 2,000 fetches
    assert all(late[i] == values[i - 12] for i in changed)
    assert late == _flapsweep.late(values, 0.05, 12, "page")
    assert late != _flapsweep.late(values, 0.05, 12, "another page")


def test_the_sweeps_hold_every_page_rate_and_lag_once_and_each_page_plain():
    cases = _flapsweep.cases()
    assert len(cases) == len(set(cases))
    plain = Counter((c[0], c[2]) for c in cases if not c[4])
    # Three synthetic pages and the real tuning series at each interval, in both sweeps.
    assert plain == {
        (s, i): 3 + n for s in ("false", "f1") for i, n in ((60, 3), (300, 4), (3600, 4))
    }
    lags = {(c[2], c[5]) for c in cases if c[4]}
    assert lags == {(i, lag) for i, ls in _flapsweep.LAGS.items() for lag in ls}
