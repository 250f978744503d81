"""Moments written from seconds exactly as the API's JSON encoder writes their datetimes."""

from datetime import UTC, datetime

from hypothesis import example, given
from hypothesis import strategies as st
from ninja.responses import NinjaJSONEncoder

from likewatch.api.json_times import utc_text

ENCODER = NinjaJSONEncoder()
# Year 1 to 9999, as datetime allows.
LOWEST, HIGHEST = -62_135_596_800, 253_402_300_799


def encoded(seconds: float) -> str:
    return ENCODER.default(datetime.fromtimestamp(seconds, tz=UTC))


@given(st.integers(min_value=LOWEST * 10**6, max_value=HIGHEST * 10**6))
@example(0)
@example(-1)
@example(1_735_689_600_000_000)  # whole seconds, the usual moment
@example(-86_401_000_000)  # whole seconds before the epoch
@example(1_735_689_599_999_999)  # a microsecond before 2025
@example(1_735_689_600_000_999)  # under a millisecond past a whole second: ".000"
def test_stored_microseconds_are_written_as_the_encoder_writes_them(micro: int) -> None:
    # What the store holds (whole microseconds) as the chart's code carries it: micro / 1e6.
    assert utc_text(micro / 1e6) == encoded(micro / 1e6)


@given(st.floats(min_value=LOWEST + 1, max_value=HIGHEST - 1, allow_nan=False))
@example(0.5)
@example(-0.5)
@example(1.0000005)  # half a microsecond: rounded to even, as datetime does
@example(1.9999996)  # rounds up into the next second
@example(-1.9999996)
def test_any_float_is_rounded_as_datetime_rounds_it(seconds: float) -> None:
    assert utc_text(seconds) == encoded(seconds)


@given(st.integers(min_value=LOWEST, max_value=HIGHEST))
def test_whole_seconds_are_written_as_the_encoder_writes_them(whole: int) -> None:
    assert utc_text(float(whole)) == encoded(float(whole))


def test_whole_seconds_carry_no_fraction() -> None:
    assert utc_text(1_735_689_600.0) == "2025-01-01T00:00:00Z"
    assert utc_text(1_735_775_999.0) == "2025-01-01T23:59:59Z"
    assert utc_text(1_735_689_600.25) == "2025-01-01T00:00:00.250Z"
