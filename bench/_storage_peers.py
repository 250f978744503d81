"""The storage benchmark's peers: the same series kept by Prometheus and by VictoriaMetrics.

Each peer stores exactly the numbers likewatch's storage benchmark records
(bench/_storage_worker.py: PAGES pages, one sample a minute for ROUNDS minutes, each page's
count moving by 37 at every fetch or not at all), and the figure is its bytes on disk per
sample, measured the same two ways: "per sample" is what the second half of the run added,
divided by its samples; "whole run" divides everything by all samples. The peers keep the
numbers and their times only: no source address, no evidence, no chart rollups. Their figure
sits beside likewatch's history alone and beside its history + evidence + rollups
(bench/tables.py shows the ratio).

- Prometheus (Debian's `prometheus`, which ships promtool): the samples written as OpenMetrics
  and turned into TSDB blocks by `promtool tsdb create-blocks-from openmetrics`, the blocks a
  running Prometheus compacts its scrapes into (2-hour blocks: chunks, index, metadata).
- VictoriaMetrics (Debian's `victoria-metrics`): a server on a loopback port with its own
  data folder; the samples imported through its Prometheus text import, flushed and merged
  (`/internal/force_flush`, `/internal/force_merge`) and the server stopped; then its `data`
  and `indexdb` folders are measured (caches left out).

A peer that is not installed gets a row saying so (`make peers` installs both).
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

# The storage worker's series: its first moment and its values (bench/_storage_worker.py).
T0 = 1767225600  # 2026-01-01T00:00:00Z
FIRST_ID = 100064000000
STEP = 37


def value(page: int, round_: int, mode: str) -> int:
    """Page `page`'s count (1-based, as the worker's primary keys) at round `round_`."""
    return 3_250_000 + page + (round_ * STEP if mode == "changing" else 0)


def measure(mode: str, pages: int, rounds: int) -> tuple[dict[str, dict[str, float]], list[str]]:
    """Each installed peer's bytes per sample ({"per sample": {peer: B}, "whole run": ...})
    and a note for each peer that could not be measured."""
    found: dict[str, dict[str, float]] = {"per sample": {}, "whole run": {}}
    notes = []
    for peer in (Prometheus(), VictoriaMetrics()):
        if not peer.installed():
            notes.append(f"storage: {peer.name} not installed (`make peers`)")
            continue
        try:
            half, whole = peer.sizes(mode, pages, rounds)
        except Exception as error:  # a peer's failure is reported, never a reason to stop
            notes.append(f"storage: {peer.name} could not be measured ({str(error)[:120]})")
            continue
        name = f"{peer.name} {peer.version()}"
        second_half = pages * (rounds - rounds // 2)
        found["per sample"][name] = (whole - half) / second_half
        found["whole run"][name] = whole / (pages * rounds)
    return found, notes


def _lines(mode: str, pages: int, first: int, last: int, millis: bool) -> Iterator[str]:
    """The samples of rounds first..last-1 in Prometheus's text form, series by series."""
    for page in range(1, pages + 1):
        labels = f'{{page="{FIRST_ID + page - 1}"}}'
        for r in range(first, last):
            moment = T0 + 60 * r
            stamp = moment * 1000 if millis else moment
            yield f"page_followers{labels} {value(page, r, mode)} {stamp}\n"


def _folder_bytes(*folders: Path) -> int:
    return sum(f.stat().st_size for folder in folders for f in folder.rglob("*") if f.is_file())


class Prometheus:
    name = "Prometheus"

    def installed(self) -> bool:
        return shutil.which("promtool") is not None

    def version(self) -> str:
        out = subprocess.run(["promtool", "--version"], capture_output=True, text=True).stdout
        return out.split()[2].split("+")[0] if out.startswith("promtool, version") else "?"

    def sizes(self, mode: str, pages: int, rounds: int) -> tuple[int, int]:
        """Bytes of the blocks holding the first half of the rounds, and all of them."""
        return self._blocks(mode, pages, rounds // 2), self._blocks(mode, pages, rounds)

    def _blocks(self, mode: str, pages: int, rounds: int) -> int:
        with tempfile.TemporaryDirectory(prefix="likewatch-peer-") as folder:
            source = Path(folder) / "series.om"
            with source.open("w") as out:
                out.write("# TYPE page_followers gauge\n")
                out.writelines(_lines(mode, pages, 0, rounds, millis=False))
                out.write("# EOF\n")
            blocks = Path(folder) / "blocks"
            subprocess.run(
                ["promtool", "tsdb", "create-blocks-from", "openmetrics", "-q", str(source)]
                + [str(blocks)],
                check=True,
                capture_output=True,
                timeout=600,
            )
            return _folder_bytes(blocks)


class VictoriaMetrics:
    name = "VictoriaMetrics"

    def installed(self) -> bool:
        return shutil.which("victoria-metrics") is not None

    def version(self) -> str:
        out = subprocess.run(["victoria-metrics", "-version"], capture_output=True, text=True)
        text = (out.stdout or out.stderr).strip()
        if text.startswith("victoria-metrics-"):
            return text.split("-")[2].removeprefix("v")
        try:  # Debian's build prints nothing: its package says
            return (
                subprocess.run(
                    ["dpkg-query", "-W", "-f=${Version}", "victoria-metrics"],
                    capture_output=True,
                    text=True,
                )
                .stdout.split("+")[0]
                .strip()
                or "?"
            )
        except OSError:
            return "?"

    def sizes(self, mode: str, pages: int, rounds: int) -> tuple[int, int]:
        """Bytes on disk after the first half of the rounds, and after all of them; each
        measured once the server has stopped (everything it holds written out)."""
        with tempfile.TemporaryDirectory(prefix="likewatch-peer-") as folder:
            data = Path(folder) / "data"
            found = []
            for first, last in ((0, rounds // 2), (rounds // 2, rounds)):
                with self._server(data) as base:
                    self._load(base, mode, pages, first, last)
                found.append(_folder_bytes(data / "data", data / "indexdb"))
        return found[0], found[1]

    @contextlib.contextmanager
    def _server(self, folder: Path) -> Iterator[str]:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        process = subprocess.Popen(
            [
                "victoria-metrics",
                f"-storageDataPath={folder}",
                f"-httpListenAddr=127.0.0.1:{port}",
                "-retentionPeriod=100y",  # the series is dated 2026-01-01
                "-loggerLevel=ERROR",
                "-search.disableCache",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(base + "/health", timeout=2).read()
                    break
                except OSError:
                    if process.poll() is not None:
                        error = process.stderr.read().decode(errors="replace").strip()
                        raise RuntimeError(f"exited: {error[-200:]}") from None
                    if time.monotonic() > deadline:
                        raise RuntimeError("did not answer within 60 s") from None
                    time.sleep(0.2)
            yield base
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _load(self, base: str, mode: str, pages: int, first: int, last: int) -> None:
        body = "".join(_lines(mode, pages, first, last, millis=True)).encode()
        request = urllib.request.Request(
            base + "/api/v1/import/prometheus", data=body, method="POST"
        )
        urllib.request.urlopen(request, timeout=300).read()
        urllib.request.urlopen(base + "/internal/force_flush", timeout=300).read()
        # Merged as a long-running server merges its parts over time.
        urllib.request.urlopen(base + "/internal/force_merge", timeout=600).read()
