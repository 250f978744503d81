"""Every timing in bench/results.json comes from at least three samples, or says why not.

A timing measured once cannot say how far a re-measurement may fall from it (issue 17): each
row whose unit is a time (results.TIMED_UNITS) gives its median with its spread from
results.MIN_SAMPLES samples or more, likewatch's and each peer's, unless its benchmark declares
why not in ONCE ({part of the label: reason}), which the runner copies into the row.
"""

import importlib
import types

import pytest

from bench import __main__ as runner
from bench import results, tables


def recorded() -> list[tuple[str, dict]]:
    return sorted(results.load().items())


@pytest.mark.parametrize(("name", "entry"), recorded(), ids=[n for n, _ in recorded()])
def test_every_timing_in_the_results_gives_its_spread_or_says_why_not(name, entry):
    declared = getattr(importlib.import_module(f"bench.{name}"), "ONCE", {})
    problems = results.unrepeated(entry["rows"], declared)
    assert not problems, (
        f"bench/{name}.py: timings from fewer than {results.MIN_SAMPLES} samples, with no "
        "reason in its ONCE: " + "; ".join(problems)
    )


@pytest.mark.parametrize(("name", "entry"), recorded(), ids=[n for n, _ in recorded()])
def test_every_declared_reason_still_names_a_figure(name, entry):
    # A reason left behind when its row was renamed would exempt the next row to match it.
    declared = getattr(importlib.import_module(f"bench.{name}"), "ONCE", {})
    figures = [row["figure"] for row in entry["rows"]]
    stale = [part for part in declared if not any(part in figure for figure in figures)]
    assert not stale, f"bench/{name}.py ONCE names no figure of results.json: {stale}"


def row(**fields) -> dict:
    return {"figure": "example: time", "unit": "ms", "target": "", **fields}


def test_a_timing_from_one_sample_is_named():
    rows = [row(median=4.0, min=4.0, max=4.0, samples=1)]
    assert results.unrepeated(rows) == ["example: time: n=1 ms"]


def test_a_timing_given_as_text_has_no_spread_however_many_runs_made_it():
    assert results.unrepeated([row(median="3.9 / 5.8", samples=3)]) == ["example: time: n=1 ms"]


def test_a_peers_timing_needs_its_samples_too():
    peer = {"median": 15.7, "min": 15.7, "max": 15.7, "samples": 1}
    rows = [row(median=2.0, min=1.9, max=2.2, samples=5, peers={"Prometheus": peer})]
    assert results.unrepeated(rows) == ["example: time (peer Prometheus): n=1 ms"]


def test_a_peer_measured_once_is_exempt_only_by_a_reason_naming_it():
    once = {"median": 18.4, "min": 18.4, "max": 18.4, "samples": 1}
    five = {"median": 0.95, "min": 0.9, "max": 1.1, "samples": 5}
    measured = {"median": 2.0, "min": 1.9, "max": 2.2, "samples": 5}
    rows = [row(**measured, peers={"changedetection.io": once, "Prometheus": five})]
    declared = {"changedetection.io": "checks in bursts"}
    assert results.unrepeated(rows, declared) == []
    (marked,) = results.mark_once(rows, declared)
    assert marked["peers"]["changedetection.io"]["once"] == "checks in bursts"
    assert "once" not in marked["peers"]["Prometheus"] and "once" not in marked
    assert results.unrepeated(rows, {"Prometheus": "never"}) == []  # the row carries it now
    alone = {"median": 18.4, "min": 18.4, "max": 18.4, "samples": 1}
    bare = [row(**measured, peers={"changedetection.io": alone})]
    assert results.unrepeated(bare, {"Prometheus": "never"}) == [
        "example: time (peer changedetection.io): n=1 ms"
    ]


def test_three_samples_are_enough_and_counts_need_none():
    rows = [
        row(median=4.0, min=3.0, max=5.0, samples=3),
        row(figure="example: bytes", unit="B", median=1978, min=1978, max=1978, samples=1),
    ]
    assert results.unrepeated(rows) == []


def test_a_declared_reason_exempts_only_the_rows_it_names():
    rows = [
        row(figure="history: bulk insert (setup)", median=23.0, min=23.0, max=23.0, samples=1),
        row(figure="history: GET", median=3.5, min=3.5, max=3.5, samples=1),
    ]
    declared = {"bulk insert": "setup of the data, once per run"}
    assert results.unrepeated(rows, declared) == ["history: GET: n=1 ms"]


def test_the_runner_records_the_reason_in_the_row_and_the_tables_print_it(monkeypatch):
    module = types.ModuleType("bench.example")
    module.__doc__ = "Example."
    module.REPEATS = 1
    module.ONCE = {"setup": "fills the database, once per run"}
    module.run = lambda: [
        ("example: setup", 22.9, "s", ""),
        ("example: query", [2.5, 2.4, 2.7], "s", ""),
        ("example: bytes", 1978, "B", ""),
    ]
    monkeypatch.delenv("LIKEWATCH_BENCH_REPEATS", raising=False)
    setup, query, size = runner.measure("example", module, {"cores": 2})["rows"]
    assert setup["once"] == "fills the database, once per run"
    assert "once" not in query and "once" not in size
    assert results.unrepeated([setup, query, size]) == []
    assert tables.value(setup) == "22.9 s (n=1: fills the database, once per run)"
    assert tables.value(query) == "2.50 s (2.40–2.70, n=3)"
