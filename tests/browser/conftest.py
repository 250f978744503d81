"""Debian's chromium through Playwright, and likewatch served by uvicorn as in production.

The data is written before the browser starts: Playwright's sync API runs an event loop in the
test's thread, and Django refuses database calls from inside one unless told otherwise.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
BUILD = Path(settings.PACKAGE_DIR) / "web/static/web/build/board.js"


def while_serving(write, *args, **kwargs):
    """Run a database write while the test server's live broker reads the pages every 0.1 s.

    The tests' SQLite database is in memory, shared between threads through SQLite's shared
    cache, where a writer meeting a reader's table lock fails at once ("database table is
    locked") instead of waiting as on a file with a busy timeout (production). The write is
    one transaction, rolled back when it fails, so it is tried again until a deadline."""
    from django.db import OperationalError

    deadline = time.monotonic() + 10
    while True:
        try:
            return write(*args, **kwargs)
        except OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip("no chromium at /usr/bin/chromium (make browser installs it)")
    if not BUILD.exists():
        pytest.skip("the front-end is not built (make frontend builds it)")
    playwright = pytest.importorskip("playwright.sync_api")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def asgi_site(transactional_db, settings):
    """likewatch's ASGI application under uvicorn on a free loopback port, in a thread."""
    import uvicorn

    settings.LIKEWATCH_LIVE_TICK = 0.1
    from likewatch.asgi import application

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(
            application, lifespan="off", log_level="warning", timeout_graceful_shutdown=1
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start within 20 s")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=5)
    sock.close()
