"""The disk fills up under SQLite while a poller writes: a clear error, no corrupted database.

The database lives on a 16 MB tmpfs filled almost to the brim (as root), or, where mounting is
not allowed, the poller runs under RLIMIT_FSIZE so that its files cannot grow past 8 MB.
Either way the real `likewatch poll` process hits the wall mid-write. It must say so in one
sentence and keep running; afterwards SQLite's integrity check passes, every page's evidence
chain recomputes, and once there is room again polling simply resumes.
"""

import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

import pytest
from django.conf import settings

from likewatch.simulator.scenario import Scenario, SimPage
from likewatch.simulator.server import GraphSimulator, SimClock
from tests.faults.evidence import verify_chain
from tests.processes import ROOT, child_env, likewatch
from tests.waiting import wait_until

PAGES = 100
FILE_LIMIT = 8 * 1024 * 1024
FULL = "Cannot write to the database: its disk is full"

pytestmark = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
    reason="a SQLite fault: runs in the SQLite pass of the suite",
)


@pytest.fixture
def small_disk(tmp_path):
    """A folder on a tiny filesystem, and whether it is one (else RLIMIT_FSIZE stands in)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = os.geteuid() == 0 and (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)], capture_output=True
        ).returncode
        == 0
    )
    yield folder, mounted
    if mounted:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture
def simulator():
    pages = {
        f"d{i}": SimPage(f"d{i}", f"d{i}", f"Page {i}", {"followers": 50_000 + i}, noise=500)
        for i in range(PAGES)
    }
    # Sixty simulated seconds a second: the noise gives every page a new value each second.
    with GraphSimulator(Scenario("disk", "", 60.0, pages, []), clock=SimClock(60.0)) as sim:
        yield sim


def _fill(folder, leave: int) -> None:
    filler = folder / "filler"
    with open(filler, "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    os.truncate(filler, max(0, filler.stat().st_size - leave))


def _limit_file_size():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))


def test_a_full_disk_is_reported_and_corrupts_nothing(small_disk, simulator):
    folder, mounted = small_disk
    database = folder / "likewatch.sqlite3"
    env = child_env(
        DATABASE_URL=f"sqlite:///{database}",
        FACEBOOK_BASE_URL=simulator.base_url,
        FACEBOOK_TOKEN="disk-token",
        LIKEWATCH_MIN_INTERVAL="1",
    )
    setup = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "from likewatch.tracking.models import Page\n"
        "call_command('migrate', verbosity=0)\n"
        f"Page.objects.bulk_create([Page(platform='facebook', platform_id=f'd{{i}}', "
        f"metric='followers', interval=1) for i in range({PAGES})])\n"
    )
    subprocess.run([sys.executable, "-c", setup], env=env, cwd=ROOT, check=True, timeout=120)
    if mounted:
        _fill(folder, leave=4 * 1024 * 1024)

    poller = likewatch(
        "poll",
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=None if mounted else _limit_file_size,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(poller.stderr), daemon=True).start()
    deadline = time.monotonic() + 240  # generous: a loaded machine is slow to fill a disk
    while time.monotonic() < deadline and not any(FULL in line for line in lines):
        assert poller.poll() is None, "".join(lines)[-2000:]
        time.sleep(0.1)  # a polling interval, not an expectation of speed
    still_running = poller.poll() is None
    poller.terminate()
    poller.wait(timeout=20)

    assert any(FULL in line for line in lines), "".join(lines)[-2000:]
    assert "Traceback" not in "".join(lines)
    assert still_running, "the poller must outlive a full disk"

    (folder / "filler").unlink(missing_ok=True)
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    dump = subprocess.run(
        [sys.executable, "-m", "tests.faults.evidence"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    histories = json.loads(dump.stdout)
    assert sum(len(rows) for rows in histories.values()) > 0, "".join(lines)[-3000:]
    for rows in histories.values():
        verify_chain(rows)

    # With room again, polling resumes where it stopped, once every page is due again (the
    # claims moved each one interval, 1 s, ahead: a wait on the clock, not on the machine).
    with sqlite3.connect(database) as db:
        (latest,) = db.execute("SELECT MAX(next_fetch_at) FROM tracking_page").fetchone()
    due = datetime.fromisoformat(latest).replace(tzinfo=UTC) if latest else datetime.now(UTC)
    wait_until(lambda: datetime.now(UTC) > due, what=f"every page to be due again ({due})")
    again = likewatch(
        "poll", "--once", env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0 and "100 page(s) claimed: 100 read, 0 failed" in out, err[-2000:]
