import os
import subprocess
import sys
from dataclasses import dataclass

import pytest


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(tmp_path):
    """Run `likewatch ARGS` as a user would: a new process, its own SQLite under tmp_path."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")
    }
    env.update(LIKEWATCH_VAR=str(tmp_path / "var"), LIKEWATCH_ENV_FILE=str(tmp_path / ".env"))

    def run(*args: str, stdin: str = "", **extra_env: str) -> Result:
        done = subprocess.run(
            [sys.executable, "-m", "likewatch", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env={**env, **extra_env},
            cwd=tmp_path,
            timeout=60,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    run.env = env
    return run
