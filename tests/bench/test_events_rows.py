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
