"""What every likewatch command shares: one clear sentence for every failure a user can cause."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import DatabaseError, InterfaceError, OperationalError


def database_problem(exc: Exception) -> str:
    """A sentence about a database that cannot be used, naming it without its password."""
    db = settings.DATABASES[DEFAULT_DB_ALIAS]
    where = db.get("HOST") or "localhost"
    name = db.get("NAME")
    if db["ENGINE"].endswith("sqlite3"):
        return (
            f"Cannot use the SQLite database {name}: {exc}. "
            "Check that its folder exists and is writable, or set DATABASE_URL."
        )
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return (
        f"Cannot reach the database {name!r} on {where}: {first_line}. "
        "Is the server running? Check DATABASE_URL."
    )


class LikewatchCommand(BaseCommand):
    """A command that needs a reachable, migrated database unless it says otherwise."""

    needs_database = True
    requires_system_checks: list = []

    from_command_line = False

    def execute(self, *args, **options):
        try:
            if self.needs_database:
                self.check_database()
            return super().execute(*args, **options)
        except (OperationalError, InterfaceError) as exc:
            error = CommandError(database_problem(exc))
        except CommandError as exc:
            error = exc
        if not self.from_command_line:
            raise error
        # Django would print "CommandError: ..."; a user needs just the sentence.
        sys.stderr.write(f"likewatch {self.name}: {error}\n")
        sys.exit(error.returncode or 1)

    def check_database(self) -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        db = settings.DATABASES[DEFAULT_DB_ALIAS]
        in_memory = str(db["NAME"]) == ":memory:" or "mode=memory" in str(db["NAME"])
        if db["ENGINE"].endswith("sqlite3") and not in_memory and not Path(db["NAME"]).exists():
            raise CommandError(
                f"There is no database at {db['NAME']} yet: run `likewatch init` first."
            )
        try:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except (OperationalError, InterfaceError) as exc:
            raise CommandError(database_problem(exc)) from None
        except DatabaseError as exc:
            raise CommandError(database_problem(exc)) from None
        if plan:
            raise CommandError("The database is not set up yet: run `likewatch init` first.")

    def run_from_argv(self, argv):
        self.from_command_line = True
        self.name = argv[1] if len(argv) > 1 else "likewatch"
        super().run_from_argv(argv)

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Keep --help about what a likewatch user needs, not Django's plumbing.
        hidden = {
            "--settings",
            "--pythonpath",
            "--traceback",
            "--no-color",
            "--force-color",
            "--skip-checks",
            "-v",
            "--verbosity",
        }
        for action in parser._actions:
            if hidden.intersection(action.option_strings):
                action.help = argparse.SUPPRESS
        return parser
