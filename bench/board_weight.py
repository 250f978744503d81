"""The board's first load: bytes transferred in all, and requests to any other host.

A fresh database gets a campaign of three pages with a day of history each (a value every five
minutes, a few failed fetches). `likewatch serve` serves it exactly as in production (static
files collected and pre-compressed, served by whitenoise). Debian's chromium opens the board
on a phone-sized screen; the Chrome DevTools protocol reports the encoded bytes of every
response (headers and bodies, as they crossed the wire), including what the live stream had
sent by then. Target: under 150 KB with fonts, and nothing from another host.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

# Bytes transferred for a fixed board: the same at every run.
REPEATS = 1

ROOT = Path(__file__).resolve().parents[1]
SLUG = "weight"


def run() -> list[tuple[str, object, str, str]]:
    """Rows: total KB, requests, other hosts."""
    with tempfile.TemporaryDirectory(prefix="likewatch-weight-") as var:
        env = {
            **os.environ,
            "LIKEWATCH_VAR": var,
            "DATABASE_URL": f"sqlite:///{var}/weight.sqlite3",
            "SECRET_KEY": "bench-" + "k" * 40,
            "LIKEWATCH_ENV_FILE": "/nonexistent/.env",
        }
        subprocess.run(
            [sys.executable, "-m", "bench.board_weight", "seed"], env=env, check=True, cwd=ROOT
        )
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "likewatch", "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for(base)
            result = measure(f"{base}/c/{SLUG}/")
        finally:
            server.terminate()
            server.wait(timeout=10)
    total_kb = result["bytes"] / 1000
    rows = [
        (
            "board first load, transferred in all (3 pages, 1 day of history)",
            round(total_kb, 1),
            "KB",
            "< 150",
        ),
        ("board first load, requests", result["requests"], "requests", ""),
        ("board first load, requests to other hosts", len(result["other_hosts"]), "requests", "0"),
    ]
    for url, size in sorted(result["by_url"].items(), key=lambda item: -item[1]):
        rows.append((f"  {url.replace(base, '')}", round(size / 1000, 1), "KB", ""))
    return rows


def measure(url: str) -> dict:
    """Open `url` in chromium and sum the encoded bytes of every response."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 390, "height": 844})
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        urls: dict[str, str] = {}
        received: dict[str, int] = {}
        finished: dict[str, int] = {}
        cdp.on(
            "Network.requestWillBeSent",
            lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]),
        )
        cdp.on(
            "Network.dataReceived",
            lambda e: received.__setitem__(
                e["requestId"], received.get(e["requestId"], 0) + e["encodedDataLength"]
            ),
        )
        cdp.on(
            "Network.loadingFinished",
            lambda e: finished.__setitem__(e["requestId"], e["encodedDataLength"]),
        )
        page.goto(url, wait_until="load")
        page.wait_for_selector("[data-chart] canvas")
        page.wait_for_timeout(2000)
        browser.close()
    by_url: dict[str, int] = {}
    for request_id, address in urls.items():
        size = finished.get(request_id, received.get(request_id, 0))
        by_url[address] = by_url.get(address, 0) + size
    host = url.split("/")[2]
    return {
        "bytes": sum(by_url.values()),
        "requests": len(urls),
        "other_hosts": sorted(
            {u for u in urls.values() if u.split("/")[2] != host and not u.startswith("data:")}
        ),
        "by_url": by_url,
    }


def seed() -> None:
    """A campaign of three pages with a day of five-minute history each."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "likewatch.settings")
    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from likewatch.sources.base import Count
    from likewatch.sources.errors import Transient
    from likewatch.tracking.history import record_count, record_failure
    from likewatch.tracking.models import Campaign, CampaignPage, Page

    call_command("migrate", verbosity=0)
    now = timezone.now()
    start = now - timedelta(days=1)
    campaign = Campaign.objects.create(
        slug=SLUG, title="Unlike the operators", starts_at=start, target=150_000
    )
    for position, (name, count, loss) in enumerate(
        [
            ("Maroc Telecom", 3_150_000, 61_000),
            ("Meditel", 2_350_000, 41_000),
            ("inwi", 2_720_000, 46_000),
        ]
    ):
        page = Page.objects.create(
            platform="facebook", platform_id=str(1000 + position), metric="likes", name=name
        )
        CampaignPage.objects.create(campaign=campaign, page=page, position=position)
        steps = 24 * 12
        for step in range(steps + 1):
            at = start + timedelta(minutes=5 * step)
            if step % 97 == 50:
                record_failure(page, Transient("connection reset"), at)
                continue
            record_count(page, Count(count - loss * step // steps), at)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/methodology/", timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"likewatch serve did not answer at {base}")


if __name__ == "__main__":
    if sys.argv[1:] == ["seed"]:
        seed()
    else:
        print(json.dumps(run(), indent=1))
