"""The measured tables are made from bench/results.json, and the figures carry their spread
and conditions."""

import types

import pytest

from bench import __main__ as runner
from bench import results, tables


@pytest.mark.parametrize("name", sorted(tables.DOCUMENTS))
def test_the_measured_tables_are_what_the_results_file_says(name):
    assert tables.current(name) == tables.section(name), (
        f"the measured table in {tables.DOCUMENTS[name].name} does not match "
        "bench/results.json: run `python -m bench --tables` (never edit the table by hand)"
    )


def test_several_runs_give_the_median_and_the_spread():
    runs = [
        [("board: p99", 59.0, "ms", "< 50"), ("F1", "0.96 / 0.95", "", ">= 0.9")],
        [("board: p99", 86.0, "ms", "< 50"), ("F1", "0.96 / 0.95", "", ">= 0.9")],
        [("board: p99", 81.0, "ms", "< 50"), ("F1", "0.96 / 0.95", "", ">= 0.9")],
    ]
    p99, f1 = results.combine(runs)
    assert p99 == {
        "figure": "board: p99",
        "unit": "ms",
        "target": "< 50",
        "median": 81.0,
        "min": 59.0,
        "max": 86.0,
        "samples": 3,
    }
    assert f1["median"] == "0.96 / 0.95" and "min" not in f1
    assert tables.value(p99) == "81.0 ms (59.0–86.0, n=3)"


def test_a_list_value_is_a_set_of_samples():
    (row,) = results.combine([[("history: server time", [0.016, 0.019, 0.015], "ms", "")]])
    assert (row["median"], row["min"], row["max"], row["samples"]) == (0.016, 0.015, 0.019, 3)


def test_whole_counts_stay_whole():
    (row,) = results.combine([[("calls", 20, "calls", "")]] * 2)
    assert row["median"] == 20 and tables.value(row) == "20 calls (20–20, n=2)"


def test_running_one_benchmark_keeps_the_others_figures(tmp_path):
    path = tmp_path / "results.json"
    results.merge({"board": {"rows": [1]}, "history": {"rows": [2]}}, path)
    results.merge({"board": {"rows": [3]}}, path)
    assert results.load(path) == {"board": {"rows": [3]}, "history": {"rows": [2]}}


def test_each_figure_is_recorded_with_its_conditions(monkeypatch):
    calls = []
    module = types.ModuleType("bench.example")
    module.__doc__ = "Example: a timing.\n\nMore words."
    module.REPEATS = 2
    module.run = lambda: calls.append(1) or [("example: time", 10.0 + len(calls), "ms", "< 50")]
    monkeypatch.setenv("LIKEWATCH_BENCH_EXAMPLE", "7")
    monkeypatch.delenv("LIKEWATCH_BENCH_REPEATS", raising=False)
    entry = runner.measure("example", module, {"cores": 2, "postgresql": None})
    assert len(calls) == 2
    (row,) = entry["rows"]
    assert (row["median"], row["min"], row["max"]) == (11.5, 11.0, 12.0)
    c = entry["conditions"]
    assert c["repeats"] == 2 and c["cores"] == 2
    assert len(c["load_before"]) == 3 and len(c["load_after"]) == 3
    assert c["shape"]["what"] == "Example: a timing."
    assert c["shape"]["settings"] == {"LIKEWATCH_BENCH_EXAMPLE": "7"}
    before, after = c["cpu_reference_ms"]
    assert before > 0 and after > 0


def test_the_conditions_say_how_fast_the_machine_was():
    # The CPU reference lets a reader scale a figure to their machine; an entry measured
    # before the reference was recorded says so instead of showing a number.
    entry = {
        "conditions": {
            "measured_at": "2026-12-02T12:00:00+00:00",
            "seconds": 10.0,
            "repeats": 1,
            "load_before": [0.1, 0.2, 0.3],
            "load_after": [0.4, 0.5, 0.6],
            "cores": 2,
            "cpu": "AMD EPYC",
            "cpu_reference_ms": [61.2, 64.9],
        }
    }
    assert "| 2 × AMD EPYC | 61 → 65 |" in tables.conditions_line("board", entry)
    del entry["conditions"]["cpu_reference_ms"]
    assert "| 2 × AMD EPYC | – |" in tables.conditions_line("board", entry)


def test_a_benchmarks_sizes_are_recorded_even_when_no_variable_set_them(monkeypatch):
    # A shorter default (ROUNDS from 720 to 360) must show beside the figures it gave.
    module = types.ModuleType("bench.example")
    module.__doc__ = "Example."
    module.PAGES, module.ROUNDS, module.SECONDS = 30, 360, 1.5
    module.REPEATS, module.PORT, module.VERBOSE, module.NAME = 1, 8601, True, "x"
    module.run = lambda: [("example: bytes", 3.0, "B", "")]
    entry = runner.measure("example", module, {"cores": 2})
    assert entry["conditions"]["shape"]["sizes"] == {"PAGES": 30, "ROUNDS": 360, "SECONDS": 1.5}
    data = {"example": {**entry, "conditions": {**entry["conditions"], "measured_at": "2026"}}}
    assert "Sizes: `PAGES=30`, `ROUNDS=360`, `SECONDS=1.5`." in tables.production(data)


def test_a_document_without_its_markers_says_what_is_missing(tmp_path, monkeypatch):
    page = tmp_path / "README.md"
    page.write_text("# no table here\n")
    monkeypatch.setitem(tables.DOCUMENTS, "readme", page)
    with pytest.raises(LookupError, match="bench:readme"):
        tables.current("readme")


@pytest.mark.parametrize(
    ("median", "target", "verdict"),
    [
        (81.0, "< 50", "**no**"),
        (41.0, "< 50", "yes"),
        (2776, "> 2000", "yes"),
        (4376, ">= 5,000", "**no**"),
        (20, "≈ 20", "yes"),
        (10, "10", "yes"),
        ("0.96 / 0.95", ">= 0.9", ""),
        (3.0, "", ""),
    ],
)
def test_the_tables_say_whether_each_target_is_met(median, target, verdict):
    assert tables.met({"median": median, "target": target}) == verdict


def test_a_figure_measured_beside_peers_keeps_each_peers_figure_and_spread():
    runs = [
        [("storage: per sample", 1.9, "B", "<= 4", {"Prometheus 2.42.0": 3.1})],
        [("storage: per sample", 2.1, "B", "<= 4", {"Prometheus 2.42.0": 3.3})],
    ]
    (row,) = results.combine(runs)
    assert row["median"] == 2.0
    assert row["peers"] == {
        "Prometheus 2.42.0": {"median": 3.2, "min": 3.1, "max": 3.3, "samples": 2}
    }
    (alone,) = results.combine([[("storage: per sample", 1.9, "B", "<= 4")]])
    assert "peers" not in alone


def test_the_tables_show_each_peer_beside_likewatch_with_the_ratio():
    row = {
        "figure": "polling cost: CPU per 1,000 fetches",
        "unit": "CPU-s",
        "target": "<= 2.5",
        "median": 1.8,
        "peers": {
            "changedetection.io": {"median": 18.0, "samples": 1},
            "Prometheus": {"median": 0.9, "samples": 1},
            "VictoriaMetrics": {"median": 0.0, "samples": 1},  # no ratio to nothing
        },
    }
    cell = tables.peers(row)
    assert cell == (
        "changedetection.io: 18.0 CPU-s (×0.100); Prometheus: 0.900 CPU-s (×2.00); "
        "VictoriaMetrics: 0 CPU-s"
    )
    shrank = {**row, "median": -1.5, "peers": {"Prometheus": {"median": 1.4, "samples": 1}}}
    assert tables.peers(shrank) == "Prometheus: 1.40 CPU-s"
    data = {
        "polling_cost": {
            "rows": [row, {**row, "figure": "no peer here", "peers": {}}],
            "conditions": {
                "measured_at": "2026-12-02T04:00:00+00:00",
                "seconds": 60.0,
                "repeats": 1,
                "load_before": [1.0, 1.0, 1.0],
                "load_after": [1.0, 1.0, 1.0],
                "cores": 2,
                "shape": {"what": "Polling cost."},
            },
        }
    }
    readme = tables.readme(data)
    assert "| peers, same run (likewatch ÷ peer) |" in readme
    assert f"| {cell} | `polling_cost` |" in readme
    assert f"| yes | {cell} |" in tables.production(data)
    assert cell in tables.console(data, [])
