"""Running real likewatch processes against the test database, for multi-process tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The URL of the database this test runs on, for child processes to share it."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child likewatch process: the test's database, no .env file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DATABASE_URL=database_url(),
        LIKEWATCH_ENV_FILE="/nonexistent/.env",
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def likewatch(*args: str, env: dict[str, str], **popen) -> subprocess.Popen:
    """Start `python -m likewatch ARGS` as a user's shell would."""
    return subprocess.Popen([sys.executable, "-m", "likewatch", *args], env=env, cwd=ROOT, **popen)
