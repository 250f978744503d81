import os
import subprocess
import sys
from dataclasses import dataclass

import pytest

from tests.waiting import NeverReady

# A deadline, not an expectation: a command takes a second on a quiet machine, but a busy
# two-core one running the suite in parallel may take minutes to start Python and Django.
COMMAND_DEADLINE = 300


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
        try:
            done = subprocess.run(
                [sys.executable, "-m", "likewatch", *args],
                input=stdin,
                capture_output=True,
                text=True,
                env={**env, **extra_env},
                cwd=tmp_path,
                timeout=COMMAND_DEADLINE,
            )
        except subprocess.TimeoutExpired as late:
            raise NeverReady(
                f"waited {COMMAND_DEADLINE} s for `likewatch {' '.join(args)}` to finish; "
                f"it wrote: {late.stderr!r}"
            ) from None
        return Result(done.returncode, done.stdout, done.stderr)

    run.env = env
    return run
