"""Fresh databases and worker processes for the benchmarks that need their own database.

Each such benchmark runs its measured work in a child process (`python -m bench._NAME_worker`)
with DATABASE_URL pointing at a database made for it, and reads one JSON line back. The
PostgreSQL server is LIKEWATCH_BENCH_PG (default postgres://postgres@127.0.0.1:5432), the
machine's; the databases are named likewatch_bench_NAME_PID and dropped afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("LIKEWATCH_BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def base_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update(
        LIKEWATCH_ENV_FILE="/nonexistent/.env",
        SECRET_KEY="bench-" + "k" * 50,
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="likewatch.settings",
    )
    env.update(extra)
    return env


def postgres_available() -> bool:
    try:
        import psycopg

        psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3).close()
    except Exception:
        return False
    return True


@contextmanager
def database(kind: str, name: str):
    """A fresh, migrated database: yields its DATABASE_URL; dropped or deleted afterwards."""
    if kind == "postgresql":
        import psycopg

        # The process id keeps two runs at once (two checkouts on one server) apart: the
        # database is dropped before and after, which would wreck the other run's.
        db = f"likewatch_bench_{name}_{os.getpid()}"
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{db}"')
        url = f"{PG_SERVER}/{db}"
        try:
            migrate(url)
            yield url
        finally:
            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    else:
        with tempfile.TemporaryDirectory(prefix="likewatch-bench-") as folder:
            url = f"sqlite:///{folder}/{name}.sqlite3"
            migrate(url)
            yield url


def migrate(url: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "likewatch", "migrate", "--verbosity", "0"],
        env=base_env(DATABASE_URL=url),
        cwd=ROOT,
        check=True,
    )


def worker(module: str, url: str, *args: str, timeout: float = 3600, **env: str) -> dict:
    """Run bench/<module>.py in a child process on `url`; its last stdout line, as JSON."""
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", *args],
        env=base_env(DATABASE_URL=url, **env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise RuntimeError(f"bench.{module} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def signing_keys(*, witness_too: bool = False) -> Path:
    """Give this (set-up Django) process its own log signing key (and, asked, a witness
    key) in a fresh folder, as a production install has one: without it the poller's
    checkpoint chore fails at once every round and a benchmark would leave the log's signing
    out of what it measures; with the one `make demo` may have left in ./var, the figure
    would depend on the checkout. Returns the folder."""
    from django.conf import settings

    from likewatch.evidence import keys, witness

    folder = Path(tempfile.mkdtemp(prefix="likewatch-bench-keys-"))
    settings.LIKEWATCH_SIGNING_KEY = folder / "signing-key.pem"
    keys.ensure_key()
    if witness_too:
        settings.LIKEWATCH_WITNESS_KEY = folder / "witness-key.pem"
        settings.LIKEWATCH_WITNESS_NAME = "bench.test/witness"
        witness.ensure_key()
    return folder
