"""Fixtures for the source tests: a replay server standing in for each platform."""

import pytest

from tests.replay import ReplayServer


@pytest.fixture
def replay():
    """A replay server on a free port of 127.0.0.1, stopped after the test."""
    with ReplayServer() as server:
        yield server
