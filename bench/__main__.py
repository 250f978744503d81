"""Run the benchmarks, record every figure with its conditions, and print one table.

    python -m bench                 every benchmark in bench/
    python -m bench board history   the ones named (`make bench ONLY="board history"`)
    python -m bench --tables        rewrite the measured tables of README.md and
                                    docs/production.md from bench/results.json (no measuring)
    python -m bench --list          the benchmarks, with what each measures

Each module bench/NAME.py exposes `run() -> list[Row]`, a row being (figure, value, unit,
target): target is a short text such as "< 2" or ">= 0.9", or "". A value that is a list is a
set of samples of one timing (the row then shows their median, min and max). The runner calls
`run()` REPEATS times (the module's REPEATS, else 3; 1 for benchmarks whose figures are counts,
or which sample many times inside one run) and gives each row the median of its runs with
their spread. A timing (results.TIMED_UNITS) needs at least three samples; a benchmark
declares in ONCE ({part of a row's label: reason}) why one of its timings has fewer, and the
runner prints a warning for any that has neither. Each benchmark's rows are written to
bench/results.json with the conditions they were measured under (bench/conditions.py),
replacing that benchmark's previous entry only: `make bench ONLY=board` updates the board's
figures and keeps the others'. The measured tables
of README.md and docs/production.md are then rewritten from the file (bench/tables.py).
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import time
import traceback
from pathlib import Path

from bench import conditions, results, tables

Row = tuple[str, object, str, str]
DEFAULT_REPEATS = 3


def modules(only: list[str]) -> list[str]:
    here = Path(__file__).parent
    found = sorted(
        m.name
        for m in pkgutil.iter_modules([str(here)])
        if not m.name.startswith("_") and m.name not in NOT_BENCHMARKS
    )
    unknown = [name for name in only if name not in found]
    if unknown:
        raise SystemExit(f"no benchmark named {', '.join(unknown)} (have: {', '.join(found)})")
    return only or found


# Modules of bench/ that are the runner's own, not benchmarks.
NOT_BENCHMARKS = {"conditions", "results", "tables"}


def measure(name: str, module, machine: dict) -> dict:
    """Run one benchmark REPEATS times: its entry for results.json."""
    repeats = int(os.environ.get("LIKEWATCH_BENCH_REPEATS", getattr(module, "REPEATS", 0)) or 0)
    repeats = repeats or DEFAULT_REPEATS
    before = conditions.load_average()
    reference_before = conditions.cpu_reference()
    started_at = conditions.now()
    started = time.monotonic()
    runs = [module.run() for _ in range(repeats)]
    seconds = time.monotonic() - started
    rows = results.mark_once(results.combine(runs), getattr(module, "ONCE", {}))
    return {
        "rows": rows,
        "conditions": {
            "measured_at": started_at,
            "seconds": round(seconds, 1),
            "repeats": repeats,
            "load_before": before,
            "load_after": conditions.load_average(),
            # The machine's speed can change during a benchmark too (a neighbour on the host).
            "cpu_reference_ms": [reference_before, conditions.cpu_reference()],
            "shape": conditions.shape(module),
            **machine,
        },
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--tables", action="store_true", help="rewrite the measured tables")
    parser.add_argument("--list", action="store_true", help="list the benchmarks")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "likewatch.settings")
    if args.tables:
        for path in tables.rewrite():
            print(f"rewrote the measured table in {path}")
        return 0
    if args.list:
        for name in modules(args.names):
            print(f"{name}: {conditions.summary(importlib.import_module(f'bench.{name}'))}")
        return 0

    machine = conditions.machine()
    failed = []
    entries = {}
    started = time.monotonic()
    for name in modules(args.names):
        begun = time.monotonic()
        module = importlib.import_module(f"bench.{name}")
        print(f"running bench/{name}.py …", file=sys.stderr, flush=True)
        try:
            entries[name] = measure(name, module, machine)
        except Exception:
            # One broken benchmark must not throw away the others' figures.
            traceback.print_exc()
            failed.append(name)
        else:
            # Written as soon as measured: an interrupted run keeps what it finished.
            results.merge({name: entries[name]})
            for problem in results.unrepeated(entries[name]["rows"]):
                print(f"  warning: a timing without its spread: {problem}", file=sys.stderr)
        print(f"  done in {time.monotonic() - begun:.1f} s", file=sys.stderr, flush=True)
    print(tables.console(entries, failed))
    # The documents' tables follow the file at once: committing one without the other fails
    # tests/bench/test_tables.py.
    rewritten = [str(p.relative_to(conditions.ROOT)) for p in tables.rewrite()]
    print(
        f"\n{len(entries)} benchmark(s) in {time.monotonic() - started:.0f} s; results in "
        f"{results.PATH.relative_to(conditions.ROOT)}; tables rewritten in "
        f"{', '.join(rewritten) or 'no document (unchanged)'}.",
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
