"""The README promises what CI checks: its test command is CI's, and that command lints,
checks formatting and migrations before running the suite."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_s_test_command():
    lines = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    command = lines[-1]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"\n    {command}\n" in readme, f"README.md does not give CI's command: {command!r}"


def test_make_test_lints_checks_formatting_and_migrations_first():
    makefile = (ROOT / "Makefile").read_text()
    test = re.search(r"^test:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "lint" in test and "migrations-check" in test
    lint = re.search(r"^lint:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "ruff check" in lint and "ruff format --check" in lint
    migrations = re.search(r"^migrations-check:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "makemigrations --check" in migrations
