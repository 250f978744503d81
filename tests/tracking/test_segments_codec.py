"""A segment gives back exactly the records packed into it: every field, every edge value."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from likewatch.tracking import chain
from likewatch.tracking import segments_codec as codec
from likewatch.tracking.records import Failure, Span

INT64 = st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1)
UINT63 = st.integers(min_value=0, max_value=(1 << 63) - 1)
UINT31 = st.integers(min_value=0, max_value=(1 << 31) - 1)
MOMENTS = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)
TEXT = st.text(max_size=40)


@st.composite
def histories(draw):
    """Consecutive records of one page: spans and failures mixed, any field values."""
    page = draw(st.integers(min_value=1, max_value=(1 << 63) - 1))
    seq = draw(st.integers(min_value=1, max_value=1 << 40))
    out = []
    for _ in range(draw(st.integers(min_value=1, max_value=40))):
        at = draw(MOMENTS)
        if draw(st.booleans()):
            last = draw(st.one_of(st.just(at), MOMENTS))
            out.append(
                Span(
                    page_id=page,
                    seq=seq,
                    value=draw(st.one_of(st.none(), INT64)),
                    precision=draw(UINT63),
                    first_seen=at,
                    last_seen=last,
                    fetches=draw(UINT31),
                    provenance=draw(st.sampled_from(["api", "scrape", "imported"])),
                    source_url=draw(TEXT),
                )
            )
        else:
            out.append(
                Failure(
                    page_id=page,
                    seq=seq,
                    at=at,
                    kind=draw(st.sampled_from(["transient", "rate_limited", "auth"])),
                    message=draw(TEXT),
                    duration_ms=draw(UINT31),
                    retry_at=draw(st.one_of(st.none(), MOMENTS)),
                )
            )
        seq += draw(st.sampled_from([1, 1, 1, 2, 1000]))
    return out


@settings(max_examples=300, deadline=None)
@given(histories())
def test_every_record_comes_back_exactly(records):
    decoded = codec.decode(codec.encode(records))
    assert decoded == records
    # The canonical bytes the log hashes are the same too.
    assert [chain.canonical_bytes(r.form()) for r in decoded] == [
        chain.canonical_bytes(r.form()) for r in records
    ]


def _minute_spans(count: int, start_value: int = 3_250_000) -> list[Span]:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        Span(7, i + 1, start_value + 37 * i, 1, t0 + timedelta(minutes=i),
             t0 + timedelta(minutes=i), 1, "api", "https://graph.facebook.com/v24.0/?ids=1")
        for i in range(count)
    ]  # fmt: skip


def test_a_regular_history_packs_into_about_a_byte_per_record():
    records = _minute_spans(512)
    assert len(codec.encode(records)) < 512


@pytest.mark.parametrize("value", [-(1 << 63), (1 << 63) - 1, 0, None, -1, 1 << 31, -(1 << 31) - 1])
def test_extreme_values_next_to_each_other(value):
    spans = _minute_spans(3)
    spans[1] = Span(**{**_fields(spans[1]), "value": value})
    spans[2] = Span(**{**_fields(spans[2]), "value": -(1 << 63) if value else (1 << 63) - 1})
    assert codec.decode(codec.encode(spans)) == spans


def test_times_in_other_zones_come_back_as_the_same_instant_in_utc():
    spans = _minute_spans(2)
    paris = datetime(2026, 3, 29, 3, 30, 0, 123456).astimezone()
    spans[0] = Span(**{**_fields(spans[0]), "first_seen": paris, "last_seen": paris})
    decoded = codec.decode(codec.encode(spans))
    assert decoded[0].first_seen == paris
    assert decoded[0].form() == spans[0].form()


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],
        lambda b: b"\x00" + b[1:],
        lambda b: b + b"\x00",
        lambda b: b"",
    ],
)
def test_damaged_bytes_are_refused_with_a_clear_error(damage):
    data = codec.encode(_minute_spans(20))
    with pytest.raises(codec.CorruptSegment):
        codec.decode(damage(data))


def test_an_empty_segment_cannot_be_made():
    with pytest.raises(ValueError):
        codec.encode([])


def _fields(span: Span) -> dict:
    return {name: getattr(span, name) for name in Span.__dataclass_fields__}
