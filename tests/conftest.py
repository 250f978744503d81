"""Shared fixtures. Tests run on SQLite by default and on PostgreSQL with DATABASE_URL set."""

import os
import tempfile

# Settings read the environment once, at import: point every file the app writes at a
# throwaway folder before Django loads them.
os.environ.setdefault("LIKEWATCH_VAR", tempfile.mkdtemp(prefix="likewatch-test-"))
os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "k" * 40)
os.environ.setdefault("LIKEWATCH_ENV_FILE", "/nonexistent/.env")
# The replay servers and simulators of the tests listen on loopback, which the outbound guard
# refuses by default: allow it explicitly, as an operator would (the attack tests remove it).
os.environ.setdefault("LIKEWATCH_OUTBOUND_ALLOW", "127.0.0.0/8,::1")

import pytest  # noqa: E402
from django.conf import settings  # noqa: E402

from likewatch.simulator.scenario import load  # noqa: E402
from likewatch.simulator.server import GraphSimulator, SimClock  # noqa: E402

# (pytest-django may have read the settings already: set the one in force too.)
settings.LIKEWATCH_OUTBOUND_ALLOW = os.environ["LIKEWATCH_OUTBOUND_ALLOW"].split(",")

# WhiteNoise warns at every start-up when the collected-static folder is missing.
settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)


@pytest.fixture
def scenario():
    return load("morocco-2016")


@pytest.fixture
def simulator(scenario):
    """The Graph API simulator on a free port, its clock frozen at hour 0."""
    clock = SimClock(scenario.acceleration)
    clock.freeze(0.0)
    with GraphSimulator(scenario, clock=clock, token="test-token") as sim:
        yield sim


@pytest.fixture
def facebook_settings(settings, simulator):
    """Point the Facebook source at the simulator: only the base URL differs."""
    settings.LIKEWATCH_SOURCES = {
        **settings.LIKEWATCH_SOURCES,
        "facebook": {"base_url": simulator.base_url, "api_version": "v24.0", "token": "test-token"},
    }
    return settings.LIKEWATCH_SOURCES["facebook"]


@pytest.fixture(autouse=True)
def default_language():
    """Start every test in English: a request through the test client (LocaleMiddleware)
    leaves its language active in the test's thread, which would leak into the next test."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Start every test with empty rate-limit windows. The test client is one client
    (127.0.0.1) for the whole suite, so its counts (the API allows 120 requests a minute)
    would otherwise carry over and refuse a later test's requests with 429."""
    from django.core.cache import caches

    caches[settings.LIKEWATCH_RATE_LIMIT_CACHE].clear()
    yield


# Tests that run real likewatch processes, servers or a browser and mostly wait on them: marked
# `slow`, they run in parallel after the rest (`make test`; pytest-xdist), so that the suite
# stays within ten minutes on a busy two-core machine. Paths or node ids, from tests/.
SLOW = (
    "faults/",
    "browser/",
    "web/test_browser.py",
    "poller/test_sharing.py",
    "cli/test_commands.py",
    "cli/test_add_platforms.py",
    "evidence/test_commands.py",
    "test_security.py::test_check_deploy_is_clean_with_the_production_settings",
    "sources/test_webpage.py::test_a_page_that_needs_scripts_is_read_through_headless_chromium",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.removeprefix("tests/").startswith(SLOW):
            item.add_marker(pytest.mark.slow)
