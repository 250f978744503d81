"""Run every benchmark module in bench/ (or the ones named) and print one table.

Each module bench/NAME.py exposes `run() -> list[Row]`, a row being
(figure, value, unit, target): target is a short text such as "< 2" or ">= 0.9", or "".
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time
import traceback
from pathlib import Path

Row = tuple[str, object, str, str]


def modules(only: list[str]) -> list[str]:
    here = Path(__file__).parent
    found = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))
    unknown = [name for name in only if name not in found]
    if unknown:
        raise SystemExit(f"no benchmark named {', '.join(unknown)} (have: {', '.join(found)})")
    return only or found


def render(rows: list[Row]) -> str:
    headers = ("figure", "value", "unit", "target")
    cells = [headers] + [tuple(_cell(c) for c in row) for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "likewatch.settings")
    rows: list[Row] = []
    failed = []
    for name in modules(argv):
        started = time.monotonic()
        module = importlib.import_module(f"bench.{name}")
        print(f"running bench/{name}.py …", file=sys.stderr, flush=True)
        try:
            rows.extend(module.run())
        except Exception as exc:
            # One broken benchmark must not throw away the others' figures.
            traceback.print_exc()
            failed.append(name)
            rows.append((f"{name}: FAILED ({type(exc).__name__}; see above)", "-", "", ""))
        print(f"  done in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    print(render(rows))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
