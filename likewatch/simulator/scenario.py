"""Scenario files: pages, how their counts move, and scripted incidents, in simulated hours.

A scenario is JSON:

    {
      "title": "...", "note": "...",
      "acceleration": 60,            # simulated seconds per real second
      "pages": [{
        "id": "100064", "username": "MarocTelecom", "name": "Maroc Telecom",
        "followers": 3250000, "likes": 3100000,        # counts at hour 0
        "organic_per_hour": 35, "noise": 40,           # daily-cycle growth and jitter
        "waves": [{"size": -62000, "peak_hour": 7, "width_hours": 2.5}]
      }],
      "incidents": [
        {"kind": "bought_likes", "page": "100066", "at_hour": 11, "hours": 0.5, "size": 9000},
        {"kind": "outage", "at_hour": 14, "hours": 0.4},
        {"kind": "rate_limit_storm", "at_hour": 18, "hours": 0.3}
      ]
    }

A wave moves `size` people along a logistic curve centred on `peak_hour`: its pace builds,
peaks at `peak_hour` and fades; it begins at hour 0, when the campaign does. Counts are a pure
function of the simulated time, so every poller, test and replay sees the same numbers at the
same moment; before hour 0 (the demo's past) they are the pages' ordinary traffic alone.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

SCENARIOS = Path(__file__).parent / "scenarios"
KINDS = {"bought_likes", "purge", "outage", "rate_limit_storm", "expired_token"}


class ScenarioError(ValueError):
    """A scenario file that cannot be used, with the reason."""


@dataclass
class Wave:
    size: float
    peak_hour: float
    width_hours: float

    def moved(self, hour: float) -> float:
        """People moved by this wave by `hour`, counted from hour 0. A wave is the
        scenario's campaign, which begins at hour 0: before it (the demo's past,
        likewatch.simulator.past) the page has only its ordinary traffic."""
        if hour <= 0:
            return 0.0

        def curve(h: float) -> float:
            return 1.0 / (1.0 + math.exp(-(h - self.peak_hour) / (self.width_hours / 4)))

        return self.size * (curve(hour) - curve(0.0))


@dataclass
class Incident:
    kind: str
    at_hour: float
    hours: float
    page: str = ""
    size: float = 0

    def active(self, hour: float) -> bool:
        return self.at_hour <= hour < self.at_hour + self.hours

    def moved(self, hour: float) -> float:
        """Bought likes arrive linearly over the incident; a purge takes them away at once."""
        if self.kind not in ("bought_likes", "purge") or hour < self.at_hour:
            return 0.0
        if self.kind == "purge":
            return -abs(self.size)
        done = min(1.0, (hour - self.at_hour) / self.hours) if self.hours else 1.0
        return self.size * done


@dataclass
class SimPage:
    id: str
    username: str
    name: str
    counts: dict[str, int]
    organic_per_hour: float = 0
    noise: float = 0
    waves: list[Wave] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)

    def count(self, metric: str, hour: float) -> int:
        """The page's `metric` at simulated `hour`."""
        base = self.counts[metric]
        # Likes and followers move together; followers a little more (followers include likers).
        scale = 1.0 if metric == "followers" else base / self.counts.get("followers", base)
        organic = self.organic_per_hour * (hour + 0.3 * math.sin(2 * math.pi * hour / 24))
        moved = sum(w.moved(hour) for w in self.waves)
        moved += sum(i.moved(hour) for i in self.incidents)
        value = base + scale * (organic + moved) + self._jitter(metric, hour)
        return max(1, round(value))

    def _jitter(self, metric: str, hour: float) -> float:
        # Deterministic noise, changing once per simulated minute.
        if not self.noise:
            return 0.0
        seed = f"{self.id}:{metric}:{int(hour * 60)}".encode()
        unit = int.from_bytes(hashlib.sha256(seed).digest()[:4], "big") / 2**32
        return (unit - 0.5) * 2 * self.noise


@dataclass
class Scenario:
    title: str
    note: str
    acceleration: float
    pages: dict[str, SimPage]
    incidents: list[Incident]

    def page(self, key: str) -> SimPage | None:
        """A page by id or username (case-insensitive, as Graph API aliases are)."""
        if key in self.pages:
            return self.pages[key]
        for page in self.pages.values():
            if page.username.lower() == key.lower():
                return page
        return None

    def active(self, kind: str, hour: float) -> bool:
        return any(i.kind == kind and i.active(hour) for i in self.incidents)


def load(path: str | Path) -> Scenario:
    """Read a scenario file, by path or by the name of a bundled scenario."""
    path = Path(path)
    if not path.suffix and not path.exists():
        path = SCENARIOS / f"{path}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"cannot read the scenario {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise ScenarioError(f"the scenario {path} is not valid JSON: {exc}") from None
    try:
        return _build(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ScenarioError(f"the scenario {path} is malformed: {exc!r}") from None


def _build(data: dict) -> Scenario:
    incidents = [
        Incident(
            kind=i["kind"],
            at_hour=float(i["at_hour"]),
            hours=float(i.get("hours", 0)),
            page=str(i.get("page", "")),
            size=float(i.get("size", 0)),
        )
        for i in data.get("incidents", [])
    ]
    for incident in incidents:
        if incident.kind not in KINDS:
            raise ValueError(f"unknown incident kind {incident.kind!r}")
    pages = {}
    for p in data["pages"]:
        counts = {m: int(p[m]) for m in ("followers", "likes") if m in p}
        if not counts:
            raise ValueError(f"page {p['id']} has neither followers nor likes")
        page = SimPage(
            id=str(p["id"]),
            username=str(p.get("username", p["id"])),
            name=str(p.get("name", p["id"])),
            counts=counts,
            organic_per_hour=float(p.get("organic_per_hour", 0)),
            noise=float(p.get("noise", 0)),
            waves=[
                Wave(float(w["size"]), float(w["peak_hour"]), float(w["width_hours"]))
                for w in p.get("waves", [])
            ],
        )
        page.incidents = [i for i in incidents if i.page in (page.id, page.username)]
        pages[page.id] = page
    acceleration = float(data.get("acceleration", 1))
    if acceleration <= 0:
        raise ValueError("acceleration must be positive")
    return Scenario(
        title=str(data.get("title", "")),
        note=str(data.get("note", "")),
        acceleration=acceleration,
        pages=pages,
        incidents=incidents,
    )
