"""Shared fixtures. Tests run on SQLite by default and on PostgreSQL with DATABASE_URL set."""

import os
import tempfile

# Settings read the environment once, at import: point every file the app writes at a
# throwaway folder before Django loads them.
os.environ.setdefault("LIKEWATCH_VAR", tempfile.mkdtemp(prefix="likewatch-test-"))
# pytest-xdist's workers inherit the folder from the process that started them: each takes a
# folder of its own inside it, as it has a test database of its own.
if worker := os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["LIKEWATCH_VAR"] = os.path.join(os.environ["LIKEWATCH_VAR"], worker)
    os.makedirs(os.environ["LIKEWATCH_VAR"], exist_ok=True)
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

# Passwords are hashed with PBKDF2's hundreds of thousands of rounds in production; tests that
# sign people in would spend most of their time there (Django's testing docs advise this).
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

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
# `slow`, they come first, so that in a parallel run (`make test`; pytest-xdist) their waiting
# overlaps the other tests' computing and the suite stays within ten minutes on a busy two-core
# machine. Paths or node ids, from tests/.
SLOW = (
    "faults/",
    "browser/",
    "web/test_browser.py",
    "poller/test_sharing.py",
    "cli/test_commands.py",
    "cli/test_add_platforms.py",
    "cli/test_robustness.py",
    "evidence/test_witness_instances.py",
    "fanout/test_transports.py",
    "evidence/test_commands.py",
    "test_security.py::test_check_deploy_is_clean_with_the_production_settings",
    "sources/test_webpage.py::test_a_page_that_needs_scripts_is_read_through_headless_chromium",
)


# What makes a test a database test: pytest-django's database fixtures (a test's fixture names
# include those its fixtures use) or its `django_db` marker.
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


def pytest_addoption(parser):
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that use the test database (and those marked `postgres`): "
        "`make test` runs the others once, on SQLite, and these again on PostgreSQL",
    )


def uses_the_database(item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    return bool(
        names & DATABASE_FIXTURES
        or item.get_closest_marker("django_db")
        or item.get_closest_marker("postgres")
    )


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.removeprefix("tests/").startswith(SLOW):
            item.add_marker(pytest.mark.slow)
    if config.getoption("--database-tests-only"):
        others = [item for item in items if not uses_the_database(item)]
        if others:
            config.hook.pytest_deselected(items=others)
            items[:] = [item for item in items if uses_the_database(item)]
    # Slow tests first (a stable sort keeps each group's order).
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
