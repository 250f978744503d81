"""The measured tables, made from bench/results.json and never typed by hand.

`python -m bench --tables` rewrites the part of README.md between `<!-- bench:readme -->` and
`<!-- /bench:readme -->` (the figures that have a target) and the part of docs/production.md
between `<!-- bench:production -->` and `<!-- /bench:production -->` (every figure), each
with the conditions it was measured under. tests/bench/test_tables.py fails when a table and
the file disagree.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from bench import results

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = {
    "readme": ROOT / "README.md",
    "production": ROOT / "docs" / "production.md",
}
MARKED = "<!-- bench:{name} -->\n{body}<!-- /bench:{name} -->"


def number(value: object) -> str:
    """A figure as a reader wants it: thousands separated, three significant digits."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int) or (value == int(value) and abs(value) >= 100):
        return f"{int(value):,}"
    if value == 0:
        return "0"
    digits = max(0, 2 - int(math.floor(math.log10(abs(value)))))
    return f"{value:,.{digits}f}"


def value(row: dict) -> str:
    """ "median unit (min–max, n=samples)" for a timing; the value alone for a one-off figure,
    with the reason its benchmark gives when it is a timing measured once."""
    text = number(row["median"])
    if row.get("unit"):
        text += f" {row['unit']}"
    if "min" in row and row.get("samples", 1) > 1:
        low, high = number(row["min"]), number(row["max"])
        text += f" ({low}–{high}, n={row['samples']})"
    if row.get("once"):
        # A timing measured fewer times than results.MIN_SAMPLES says why, beside its figure.
        text += f" (n={row.get('samples', 1)}: {row['once']})"
    return text


def peers(row: dict) -> str:
    """Each peer's figure beside likewatch's, and likewatch's as a multiple of it:
    "Prometheus 2.42.0: 3.14 B (×1.21)" reads "likewatch needs 1.21 times what Prometheus
    needs". Ratios hold across machines far better than either figure alone; there is none
    where either figure is zero or negative (a database that shrank after compaction)."""
    cells = []
    for name, peer in (row.get("peers") or {}).items():
        text = f"{name}: {number(peer['median'])}"
        if row.get("unit"):
            text += f" {row['unit']}"
        ours, theirs = row.get("median"), peer.get("median")
        # A ratio says something only between two amounts: not to nothing, nor to a shrinkage.
        numbers = isinstance(ours, int | float) and isinstance(theirs, int | float)
        if numbers and ours > 0 and theirs > 0:
            text += f" (×{number(ours / theirs)})"
        cells.append(text)
    return "; ".join(cells)


TARGET = re.compile(r"^\s*(<=|>=|<|>|≈)?\s*([\d,]+(?:\.\d+)?)\s*$")


def met(row: dict) -> str:
    """ "yes" or "no" when the median meets the target (`< 50`, `>= 0.9`, `≈ 20`, `10`); "" when
    the target is not a number or the figure is not one."""
    match = TARGET.match(str(row.get("target") or ""))
    median = row.get("median")
    if match is None or isinstance(median, str) or median is None:
        return ""
    bound = float(match.group(2).replace(",", ""))
    ok = {
        "<": median < bound,
        "<=": median <= bound,
        ">": median > bound,
        ">=": median >= bound,
        "≈": abs(median - bound) <= 0.1 * abs(bound),
        None: median == bound,
    }[match.group(1)]
    return "yes" if ok else "**no**"


def conditions_line(name: str, entry: dict) -> str:
    c = entry["conditions"]
    databases = f"SQLite {c.get('sqlite')}"
    if c.get("postgresql"):
        databases += f", PostgreSQL {c['postgresql']}"
    return (
        f"| `{name}` | {c['measured_at'][:16].replace('T', ' ')} UTC | {c['seconds']:,.0f} s "
        f"| {c['repeats']} | {_load(c['load_before'])} → {_load(c['load_after'])} "
        f"| {c['cores']} × {c.get('cpu', '?')} | {_reference(c)} "
        f"| {databases}; Python {c.get('python')} | {c.get('commit') or '?'} |"
    )


def _reference(c: dict) -> str:
    """The CPU reference before → after (bench/conditions.py), or – for an entry measured
    before it was recorded."""
    values = c.get("cpu_reference_ms")
    if not values:
        return "–"
    return " → ".join(f"{v:.0f}" for v in values)


def _load(values: list[float]) -> str:
    return " / ".join(f"{v:.2f}" for v in values)


def conditions_table(data: dict[str, dict]) -> list[str]:
    return [
        "| bench | measured | took | runs | load average (1 / 5 / 15 min) before → after "
        "| cores | CPU reference, ms before → after | databases | commit |",
        "|---|---|---|---|---|---|---|---|---|",
        *(conditions_line(name, entry) for name, entry in data.items()),
    ]


def readme(data: dict[str, dict]) -> str:
    """The figures that have a target, and the conditions of each benchmark."""
    lines = [
        "| figure | measured: median (min–max, samples) | target | met "
        "| peers, same run (likewatch ÷ peer) | bench |",
        "|---|---|---|---|---|---|",
    ]
    for name, entry in data.items():
        lines += [
            f"| {_cell(row['figure'])} | {value(row)} | {row['target']} | {met(row)} "
            f"| {_cell(peers(row))} | `{name}` |"
            for row in entry["rows"]
            if row["target"]
        ]
    lines += ["", *conditions_table(data)]
    return "\n".join(lines) + "\n"


def production(data: dict[str, dict]) -> str:
    """Every figure, by benchmark, with each benchmark's shape and conditions."""
    lines = []
    for name, entry in data.items():
        shape = entry["conditions"].get("shape", {})
        lines += [f"**`{name}`**: {shape.get('what', '')}", ""]
        settings = shape.get("settings") or {}
        if settings:
            lines += [
                "Run with " + ", ".join(f"`{k}={v}`" for k, v in settings.items()) + ".",
                "",
            ]
        sizes = shape.get("sizes") or {}
        if sizes:
            lines += ["Sizes: " + ", ".join(f"`{k}={v:,}`" for k, v in sizes.items()) + ".", ""]
        compared = any(row.get("peers") for row in entry["rows"])
        lines += [
            "| figure | measured: median (min–max, samples) | target | met |"
            + (" peers, same run (likewatch ÷ peer) |" if compared else ""),
            "|---|---|---|---|" + ("---|" if compared else ""),
        ]
        lines += [
            f"| {_cell(row['figure'])} | {value(row)} | {row['target'] or ''} | {met(row)} |"
            + (f" {_cell(peers(row))} |" if compared else "")
            for row in entry["rows"]
        ]
        lines.append("")
    lines += conditions_table(data)
    return "\n".join(lines) + "\n"


RENDER = {"readme": readme, "production": production}


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|")


def section(name: str, data: dict[str, dict] | None = None) -> str:
    """The marked section `name` as it should read, markers included."""
    data = results.load() if data is None else data
    body = RENDER[name](data) if data else "No benchmark has been run yet: `make bench`.\n"
    return MARKED.format(name=name, body=body)


def current(name: str) -> str:
    """The marked section `name` as the document holds it now."""
    text = DOCUMENTS[name].read_text(encoding="utf-8")
    pattern = re.compile(rf"<!-- bench:{name} -->\n.*?<!-- /bench:{name} -->", re.S)
    match = pattern.search(text)
    if match is None:
        raise LookupError(
            f"{DOCUMENTS[name]} has no <!-- bench:{name} --> … "
            f"<!-- /bench:{name} --> section for the measured table"
        )
    return match.group(0)


def rewrite() -> list[Path]:
    """Rewrite every document's marked section from results.json; the documents changed."""
    data = results.load()
    changed = []
    for name, path in DOCUMENTS.items():
        text = path.read_text(encoding="utf-8")
        old = current(name)
        new = section(name, data)
        if old != new:
            path.write_text(text.replace(old, new), encoding="utf-8")
            changed.append(path)
    return changed


def console(entries: dict[str, dict], failed: list[str]) -> str:
    """This run's figures as a plain-text table, with each benchmark's load average."""
    cells = [("figure", "median (min–max, samples)", "target", "peers (likewatch ÷ peer)")]
    for name, entry in entries.items():
        c = entry["conditions"]
        cells.append(
            (
                f"[{name}] load {_load(c['load_before'])} → {_load(c['load_after'])}, "
                f"{c['cores']} cores, CPU reference {_reference(c)} ms, "
                f"{c['seconds']:.0f} s, {c['repeats']} run(s)",
                "",
                "",
                "",
            )
        )
        cells += [
            (row["figure"], value(row), row["target"] or "", peers(row)) for row in entry["rows"]
        ]
    cells += [(f"{name}: FAILED (see above)", "-", "", "") for name in failed]
    widths = [max(len(r[i]) for r in cells) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
