"""Dependencies point down, and the README's architecture tree names every package.

Imports are read from the syntax tree of every module (those inside functions too), so a
lazy import cannot hide a dependency. Each rule says which packages may not import which;
PENDING lists the known exceptions still being removed, each with its reason: a rule that
starts holding for one of them fails here too, so the exception is deleted with the fix.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "likewatch"

# (importer, forbidden target prefixes, why). Importers and targets are dotted module names;
# a prefix covers its submodules.
RULES = [
    (
        "likewatch.sources",
        [
            "likewatch.tracking",
            "likewatch.organisers",
            "likewatch.poller",
            "likewatch.web",
            "likewatch.api",
            "likewatch.alerts",
            "likewatch.events",
            "likewatch.evidence",
            "likewatch.fanout",
            "likewatch.rollups",
            "likewatch.cli",
        ],
        "sources read platforms; they are handed their configuration and know nothing of "
        "organisers or storage",
    ),
    (
        "likewatch.tracking",
        [
            "likewatch.web",
            "likewatch.api",
            "likewatch.organisers",
            "likewatch.poller",
            "likewatch.cli",
            "likewatch.fanout",
            "likewatch.alerts",
        ],
        "the store knows nothing of who reads it",
    ),
    (
        "likewatch.poller",
        [
            "likewatch.evidence",
            "likewatch.events",
            "likewatch.rollups",
            "likewatch.alerts",
            "likewatch.fanout",
            "likewatch.web",
            "likewatch.api",
        ],
        "the poller records counts; what derives from them registers with the store "
        "(tracking.consumers for a round's records, tracking.chores for the rest)",
    ),
    ("likewatch.web", ["likewatch.api"], "the web pages do not reach into the API's internals"),
    ("likewatch.api", ["likewatch.web"], "the API does not reach into the web pages' internals"),
    ("likewatch.fanout", ["likewatch.web"], "fan-out carries messages; the web listens to it"),
    (
        "likewatch.events",
        ["likewatch.api", "likewatch.web"],
        "events are detected and stored below the surfaces that publish them",
    ),
    (
        "likewatch",
        ["tests", "bench"],
        "the application never depends on its tests or benchmarks",
    ),
]
# Everything but the command line itself stays below it.
RULES.append(("likewatch", ["likewatch.cli"], "only the command line imports the command line"))
ALLOWED_IMPORTERS = {"likewatch.cli", "likewatch.__main__", "likewatch.settings"}

# Known exceptions being removed: (importer module, imported module) -> why it still exists.
PENDING: dict[tuple[str, str], str] = {}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """The modules `path` imports (`from X import y` imports X.y when that is a module)."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    return imports_in(path.read_text(encoding="utf-8"), package)


def imports_in(source: str, package: list[str]) -> set[str]:
    """The modules imported by `source`, a module of `package` (for relative imports)."""
    tree = ast.parse(source)
    here = package
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here[: len(here) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                dotted = f"{base}.{alias.name}"
                found.add(dotted if _is_module(dotted) else base)
    return found


def edges() -> set[tuple[str, str]]:
    result = set()
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        importer = module_name(path)
        result.update((importer, target) for target in imports(path))
    return result


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def violations() -> dict[tuple[str, str], str]:
    found = {}
    for importer, target in edges():
        for owner, forbidden, why in RULES:
            if not _within(importer, owner):
                continue
            if owner == "likewatch" and any(_within(importer, a) for a in ALLOWED_IMPORTERS):
                continue
            if any(_within(target, f) for f in forbidden) and not _within(target, importer):
                found[(importer, _module_of(target))] = why
    return found


def _is_module(dotted: str) -> bool:
    candidate = ROOT.joinpath(*dotted.split("."))
    return candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists()


def _module_of(target: str) -> str:
    """`target` as a module that exists (not `module.function`)."""
    parts = target.split(".")
    while parts:
        candidate = ROOT.joinpath(*parts)
        if candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists():
            return ".".join(parts)
        parts.pop()
    return target


def test_dependencies_point_down():
    found = {edge: why for edge, why in violations().items() if edge not in PENDING}
    assert not found, "\n".join(
        f"{importer} imports {target}: {why}" for (importer, target), why in sorted(found.items())
    )


def test_every_pending_exception_is_still_needed():
    fixed = sorted(set(PENDING) - set(violations()))
    assert not fixed, (
        "these imports are gone: delete them from PENDING in tests/test_architecture.py: "
        + "; ".join(f"{a} -> {b}" for a, b in fixed)
    )


def test_the_import_reader_sees_lazy_and_relative_imports(tmp_path):
    folder = PACKAGE / "sources"
    sample = folder / "__probe_for_test__.py"
    sample.write_text(
        "def f():\n    from likewatch.organisers import credentials\nfrom . import base\n"
    )
    try:
        assert "likewatch.organisers.credentials" in imports(sample)
        assert "likewatch.sources.base" in imports(sample)
    finally:
        sample.unlink()


def test_the_readme_architecture_tree_names_every_package():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tree = readme.split("## Architecture", 1)[1].split("\n\n", 2)[1]
    named = set(re.findall(r"\b([a-z_]+)(?:/|\.py)", tree))
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    modules = {p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("__")}
    missing = sorted((packages | modules) - named)
    assert not missing, f"README's architecture tree does not name: {', '.join(missing)}"
