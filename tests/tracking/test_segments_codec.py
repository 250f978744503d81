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
                    answer_produced_at=draw(st.one_of(st.none(), MOMENTS)),
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


# Three records packed by version 1 of the format (every column named in its header), as
# segments written before version 2 are stored.
VERSION_1 = bytes.fromhex(
    "28b52ffd64ea0055090066d13b30804bd2019c0d2301ce14e2b06202e210817c2352eeb6f7269a9b04c991bb"
    "213ec991e77c8eb6a06653cd2269fb7cbb772d002d002a00ad8200d7b92751ae5feab5a32cdfd127412f21ae"
    "5f69e93b4e7386543545e8aad07ca326af92e69553acc5300213185fb759b98d1af35212079fc434abc942b3"
    "8abc106c702b714a5e09ea8d78d7bb6d6e138c8f1fb4536e3505d75fdf9868c6839d24d52696611a96ddd2f5"
    "2bdb84f8fa27db9de61cc1379baf8f65f6ce4984d2f54c058b15580c080400401601c7c5726c5d3c0c9e75f9"
    "d0c8d878e8580bd2e0c01059588cb1c556c5f3ae62c42df5fafa86fb18b6d901172870c8048c0f70c8041455"
    "c58e018f08aa4970562e3bb354b98e9ac4126698013141dad610415bdc71f07d45ac7388b28844c13e6e2803"
    "d80fff44"
)


def test_segments_of_the_first_version_are_still_read():
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    minute = timedelta(minutes=1)
    assert codec.decode(VERSION_1) == [
        Span(7, 1, 100, 1, t0, t0 + 5 * minute, 6, "api", "https://example.org/a"),
        Failure(7, 2, t0 + 6 * minute, "transient", "timed out", 5000, None),
        Span(7, 3, None, 1, t0 + 7 * minute, t0 + 7 * minute, 1, "scrape", ""),
    ]
    # Re-packed (as compaction does when it grows a segment), they are written as version 3.
    assert codec.decode(codec.encode(codec.decode(VERSION_1))) == codec.decode(VERSION_1)
    assert len(codec.encode(codec.decode(VERSION_1))) < len(VERSION_1)


# The same three records packed by version 2, before spans kept their answers' dates.
VERSION_2 = bytes.fromhex(
    "28b52ffd24d0cd0500420b292e804bd2019c0d2301ce1422747208e210708c9b04c9b67e6de2b7bf2751b2bc"
    "1817512eff6653cd226979f49b4c0146020b810000081a190f7060d8e885be781438be7c68646c3474d8cc02"
    "834224c188687485f31761892c5669cfb1163905bde79f57cd03590cd8c356d4046b9a14ed7b94e7d92ac8a1"
    "adfa243d7a5c835ef4fcda5dfbf4f5bc2a459baa42a83efd3d1d491e4cd2dd13219d3d6a9f92748953d8be08"
    "0708b0743a80f7fbf165491300b2dc3a0ff42c94f052"
)


def test_segments_of_the_second_version_are_read_with_no_answer_dates():
    assert codec.decode(VERSION_2) == codec.decode(VERSION_1)
    assert all(r.answer_produced_at is None for r in codec.decode(VERSION_2) if isinstance(r, Span))


def test_answer_dates_cost_little_a_page_answered_afresh_or_from_a_stopped_cache():
    # HTTP dates are whole seconds: a page answered afresh every minute (its fetches a few
    # hundred milliseconds late), and one whose cache stopped (the same date every time).
    plain = _minute_spans(512)
    fresh = [
        Span(**{**_fields(s), "answer_produced_at": s.last_seen.replace(microsecond=0)})
        for s in plain
    ]
    stopped = [Span(**{**_fields(s), "answer_produced_at": plain[0].first_seen}) for s in plain]
    for dated in (fresh, stopped):
        assert codec.decode(codec.encode(dated)) == dated
        assert len(codec.encode(dated)) < len(codec.encode(plain)) + 64


def test_an_unknown_version_is_refused():
    from likewatch.tracking import compression

    body = b'{"v":99,"page":1}'
    with pytest.raises(codec.CorruptSegment, match="version 99"):
        codec.decode(compression.compress(len(body).to_bytes(4, "little") + body))
