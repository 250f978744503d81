"""Fixtures of the fault tests."""

from tests.faults.private_postgres import private_postgres  # noqa: F401  (a fixture)
