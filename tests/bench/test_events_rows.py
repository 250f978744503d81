"""bench events reports false flags per sampling interval, not only pooled."""

from bench import events


def test_false_flags_are_reported_pooled_and_per_sampling_interval():
    # A 1-minute page with 6 flags in 30 days beside a daily page with none in 1,500 days:
    # pooled, the minute page hides; its own row shows it over the target.
    counts = [(60, 6, 30.0), (86400, 0, 1500.0)]
    rows = events._false_rows("real tuning", counts, "<= 1")
    assert [(label.strip(), value) for label, value, _, _ in rows] == [
        ("false gain/drop flags, real tuning (2 pages, 1,530 page-days, 6 flags)", 0.12),
        ("real tuning, 1-minute (1 page, 30 page-days, 6 flags)", 6.0),
        ("real tuning, daily (1 page, 1,500 page-days, 0 flags)", 0.0),
    ]
    assert all(unit == "per page per 30 days" and target == "<= 1" for _, _, unit, target in rows)


def test_the_f1_interval_resamples_weeks_and_narrows_with_more_of_them():
    # Each week of a page: (hits, false flags, misses). 9 of 10 injected events found, one
    # false flag: F1 0.9, whose interval must hold it and stay within [0, 1].
    weeks = [[1, 0, 0]] * 8 + [[1, 1, 0], [0, 0, 1]] + [[0, 0, 0]] * 4
    few = events.f1_interval({(0, n): c for n, c in enumerate(weeks)})
    many = events.f1_interval({(0, n): c for n, c in enumerate(weeks * 10)})
    assert few is not None and many is not None
    assert 0.0 <= few[0] < 0.9 < few[1] <= 1.0
    assert few[0] < many[0] < 0.9 < many[1] <= few[1]


def test_the_f1_interval_is_not_guessed_from_three_weeks_of_events():
    weeks = {(0, 0): [1, 0, 0], (0, 1): [1, 0, 1], (0, 2): [0, 1, 0], (0, 3): [0, 0, 0]}
    assert events.f1_interval(weeks) is None
    weeks[1, 0] = [1, 0, 0]
    assert events.f1_interval(weeks) is not None
