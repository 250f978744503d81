"""Every environment variable the code reads is documented in docs/configuration.md.

The code is scanned (its syntax tree, not its text) for every way it reads the environment:
django-environ (`env.str("X")`, `env.int("X")`, `env("X")`, `"X" in env`...) and the
standard library (`os.environ["X"]`, `os.environ.get("X")`, `os.getenv("X")`, `"X" in
os.environ`, `os.environ.setdefault("X", ...)`). A variable read anywhere in likewatch/ or
bench/ must have a row in one of the tables of docs/configuration.md, with its default and
meaning; a row for a variable nothing reads any more fails too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "configuration.md"
SCANNED = ("likewatch", "bench")
# The attribute names through which django-environ reads a variable.
ENV_READERS = {
    "str", "int", "bool", "float", "list", "tuple", "dict", "json", "url", "path",
    "db_url", "db", "cache_url", "cache", "email_url", "email", "search_url", "get_value",
}  # fmt: skip
ROW = re.compile(r"^\|\s*`(?P<names>[^|]+?)`\s*\|(?P<default>[^|]*)\|(?P<meaning>[^|]*)\|\s*$")


def _is_environ(node: ast.AST) -> bool:
    """`os.environ` or `environ` (from os import environ)."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ" and isinstance(node.value, ast.Name) and node.value.id == "os"
    return isinstance(node, ast.Name) and node.id == "environ"


def _is_env(node: ast.AST) -> bool:
    """The django-environ reader, by the project's name for it: `env`."""
    return isinstance(node, ast.Name) and node.id == "env"


def _name(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _read_by(node: ast.AST) -> str | None:
    """The variable `node` reads from the environment, if it is such a read."""
    if isinstance(node, ast.Call) and node.args:
        func = node.func
        reader = (
            _is_env(func)  # env("X")
            or (
                isinstance(func, ast.Attribute)
                and (
                    (_is_env(func.value) and func.attr in ENV_READERS)  # env.str("X")
                    or (_is_environ(func.value) and func.attr in ("get", "setdefault", "pop"))
                    or (func.attr == "getenv" and isinstance(func.value, ast.Name))
                )
            )
        )
        return _name(node.args[0]) if reader else None
    if isinstance(node, ast.Subscript):
        # os.environ["X"]; setting a child's variable (a Store) reads nothing.
        loaded = isinstance(node.ctx, ast.Load) and _is_environ(node.value)
        return _name(node.slice) if loaded else None
    if (
        isinstance(node, ast.Compare)
        and len(node.ops) == 1
        and isinstance(node.ops[0], ast.In | ast.NotIn)
        and (_is_env(node.comparators[0]) or _is_environ(node.comparators[0]))
    ):
        return _name(node.left)  # "X" in env
    return None


def reads(tree: ast.AST) -> list[tuple[str, int]]:
    """(variable, line) for every environment read in a module."""
    return [(name, node.lineno) for node in ast.walk(tree) if (name := _read_by(node))]


def variables_read() -> dict[str, list[str]]:
    """Each variable read by the code, with the places (path:line) that read it."""
    places: dict[str, list[str]] = {}
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for name, line in reads(tree):
                places.setdefault(name, []).append(f"{path.relative_to(ROOT)}:{line}")
    return places


def documented() -> dict[str, tuple[str, str]]:
    """Each variable with a row in docs/configuration.md: (default, meaning)."""
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if not match:
            continue
        for name in re.findall(r"[A-Z][A-Z0-9_]+", match["names"]):
            rows[name] = (match["default"].strip(), match["meaning"].strip())
    return rows


def test_the_scanner_sees_every_way_of_reading_the_environment():
    source = """
import os
from os import environ
a = env.str("A", default="")
b = env("B")
c = "C" in env
d = os.environ["D"]
e = os.environ.get("E")
f = os.getenv("F")
g = "G" not in os.environ
h = environ.setdefault("H", "1")
i = env.db_url("I", default="sqlite://")
os.environ["NOT_READ"] = "set for a child process"
"""
    assert sorted(name for name, _ in reads(ast.parse(source))) == list("ABCDEFGHI")


# Reads of the environment outside the settings modules, each with its reason. Everything
# else is read once, in likewatch/settings.py (or settings_production.py), so that the rest of
# the code takes its configuration from django.conf.settings and tests can change it there.
OUTSIDE_SETTINGS = {
    # The entry points choose the settings module before Django starts.
    ("DJANGO_SETTINGS_MODULE", "likewatch/asgi.py"),
    ("DJANGO_SETTINGS_MODULE", "likewatch/cli/__init__.py"),
    # `likewatch init` will not write a key file that an environment key would override.
    ("SECRET_KEY", "likewatch/cli/management/commands/init.py"),
}


def test_the_application_reads_the_environment_only_in_its_settings():
    stray = [
        f"{name} at {place}"
        for name, places in variables_read().items()
        for place in places
        if place.startswith("likewatch/")
        and not place.startswith(("likewatch/settings.py", "likewatch/settings_production.py"))
        and (name, place.split(":")[0]) not in OUTSIDE_SETTINGS
    ]
    assert not stray, (
        "read these in likewatch/settings.py (env.str/env.int/...) and use "
        f"django.conf.settings where they are needed: {'; '.join(stray)}"
    )


def test_every_variable_the_code_reads_is_documented():
    rows = documented()
    missing = {name: where for name, where in variables_read().items() if name not in rows}
    assert not missing, "\n".join(
        [f"{len(missing)} environment variable(s) read by the code are not in {DOC.name}:"]
        + [
            f"  {name} (read at {', '.join(where)}): add a row to the right table of "
            f"docs/configuration.md:\n    | `{name}` | <default, or 'none'> | <what it does> |"
            for name, where in sorted(missing.items())
        ]
    )


def test_every_documented_variable_has_a_default_and_a_meaning():
    incomplete = [
        name for name, (default, meaning) in documented().items() if not default or not meaning
    ]
    assert not incomplete, (
        f"rows of {DOC.name} without a default or a meaning (write 'none' when there is no "
        f"default): {', '.join(incomplete)}"
    )


def test_no_documented_variable_is_read_by_nothing():
    stale = sorted(set(documented()) - set(variables_read()))
    assert not stale, (
        f"{DOC.name} documents variable(s) that no code reads any more: {', '.join(stale)}. "
        "Remove their rows (and say so in CHANGELOG.md), or read them again."
    )


def test_the_readme_links_the_configuration_reference():
    assert "(docs/configuration.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
