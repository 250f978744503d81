"""The fan-out message format: compact lines, split to fit PostgreSQL's NOTIFY limit."""

from likewatch.fanout import messages


def test_large_batches_are_split_below_the_notify_limit_and_read_back_whole():
    changes = {page_id: f"{page_id * 3}-1767225600" for page_id in range(1, 2001)}
    payloads = list(messages.pack(changes))
    assert len(payloads) > 1
    assert all(len(p.encode()) <= messages.MAX_PAYLOAD for p in payloads)
    merged = {}
    for payload in payloads:
        merged.update(messages.unpack(payload))
    assert merged == changes


def test_lines_from_other_senders_on_the_channel_are_ignored():
    assert messages.unpack("12:3-4\nhello\n:5\nx:1\n13:") == {12: "3-4"}


def test_a_changed_flag_changes_the_pages_state_even_when_no_count_did():
    from datetime import UTC, datetime

    measured = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
    flagged = datetime(2026, 12, 5, 2, 0, 30, 250, tzinfo=UTC)
    reviewed = datetime(2026, 12, 5, 2, 0, 30, 900, tzinfo=UTC)  # within the same second
    plain = messages.page_state(7, measured)
    assert plain == messages.page_state(7, measured, None)
    states = {plain, messages.page_state(7, measured, flagged)}
    states.add(messages.page_state(7, measured, reviewed))
    assert len(states) == 3
    assert messages.unpack(f"5:{messages.page_state(7, measured, flagged)}") == {
        5: messages.page_state(7, measured, flagged)
    }
