from datetime import UTC, datetime, timedelta

import pytest

from likewatch.evidence import keys
from likewatch.sources.base import Count
from likewatch.sources.errors import NotFound
from likewatch.tracking.history import record_count, record_failure
from likewatch.tracking.models import Page

T0 = datetime(2016, 2, 26, 22, 0, tzinfo=UTC)


def minutes(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


@pytest.fixture
def signing_key(settings, tmp_path):
    """A fresh Ed25519 key for this test, where `likewatch init` would put it."""
    settings.LIKEWATCH_SIGNING_KEY = tmp_path / "var" / "signing-key.pem"
    keys.ensure_key()
    return settings.LIKEWATCH_SIGNING_KEY


@pytest.fixture
def history(db):
    """Two pages: spans, a failure and an open head (seqs 1-7), and two spans (seqs 1-2)."""
    telecom = Page.objects.create(platform="facebook", platform_id="1", metric="likes", name="T")
    for n, value in enumerate([1000, 1000, 990, 985, 985, 970]):
        record_count(telecom, Count(value), minutes(5 * n), raw=b'{"fan_count": %d}' % value)
    record_failure(telecom, NotFound("gone", raw=b'{"error": {"code": 803}}'), minutes(30))
    record_count(telecom, Count(960), minutes(35))
    record_count(telecom, Count(955), minutes(40))
    meditel = Page.objects.create(platform="facebook", platform_id="2", metric="likes", name="M")
    for n, value in enumerate([500, 501, 501]):
        record_count(meditel, Count(value), minutes(5 * n))
    logged()
    return telecom, meditel


def logged() -> None:
    """Feed the transparency log what was written (in a test's transaction, the rounds'
    delivery after commit never comes: the log catches up from the journal, as it does after
    a crash)."""
    from likewatch.evidence import consumer

    consumer.catch_up()


@pytest.fixture
def likewatch(tmp_path):
    """Run `likewatch ARGS` in a new process, as a user would, with its own SQLite and key."""
    import os
    import subprocess
    import sys

    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")
    }
    env.update(LIKEWATCH_VAR=str(tmp_path / "var"), LIKEWATCH_ENV_FILE=str(tmp_path / ".env"))

    def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "likewatch", *args],
            capture_output=True,
            text=True,
            env={**env, **extra_env},
            cwd=tmp_path,
            timeout=60,
        )

    return run
