"""The `likewatch` command: Django's management commands, without manage.py.

`likewatch` alone (or `--help`) lists likewatch's own commands; every Django command
(`migrate`, `createsuperuser`, `check`…) works too for operators who need one.
"""

from __future__ import annotations

import os
import pkgutil
import sys
from importlib import import_module

from likewatch import __version__

COMMANDS_PACKAGE = "likewatch.cli.management.commands"


def main(argv: list[str] | None = None) -> int:
    """Run one likewatch command; returns the exit status."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "likewatch.settings")
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv == ["help"] or argv[0] in ("-h", "--help"):
        print(usage())
        return 0
    if argv[0] == "--version":
        print(f"likewatch {__version__}")
        return 0
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["likewatch", *argv])
    except BrokenPipeError:
        # The reader went away (`likewatch export | head`): it has what it wanted. Point
        # stdout at nothing so the interpreter's final flush cannot raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return 0


def usage() -> str:
    import django

    django.setup()
    package = import_module(COMMANDS_PACKAGE)
    lines = [
        "usage: likewatch COMMAND [options]   (likewatch COMMAND --help for more)",
        "",
        "commands:",
    ]
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        command = import_module(f"{COMMANDS_PACKAGE}.{info.name}").Command
        summary = (command.help or "").strip().splitlines()[0] if command.help else ""
        lines.append(f"  {info.name:<12}{summary}")
    lines += ["", "Django's own commands (migrate, createsuperuser, check…) work as well."]
    return "\n".join(lines)
