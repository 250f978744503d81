"""The shapes the API answers with (they are also its OpenAPI document)."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field


class Error(Schema):
    detail: str = Field(description="What was wrong, in one sentence.")
    code: str = Field(description="A stable machine-readable name for the error.")
    errors: list[dict] = Field(default_factory=list, description="Per-parameter details.")


class PageSummary(Schema):
    id: int
    platform: str
    platform_id: str
    metric: str
    handle: str
    name: str
    url: str
    interval: int = Field(description="Seconds between two fetches.")
    health: str
    last_success_at: datetime | None
    stale: bool = Field(description="True when the last success is older than three intervals.")
    last_seq: int = Field(description="Number of the newest record of the page's history.")


class PageDetail(PageSummary):
    created_at: datetime
    campaigns: list[str] = Field(description="Slugs of the public campaigns watching the page.")
    links: dict[str, str]


class Current(Schema):
    page_id: int
    value: int | None = Field(description="None when the platform hides the count.")
    precision: int = Field(description="The true count lies in [value, value + precision).")
    first_seen: datetime | None
    measured_at: datetime | None = Field(description="When this value was last confirmed.")
    fetches: int
    provenance: str | None
    source_url: str
    seq: int | None
    stale: bool
    health: str


class Effect(Schema):
    """People who moved the campaign's way beyond the usual trend, with a 95 % interval."""

    effect: int
    low: int
    high: int
    removed: int = Field(
        description="Flagged unusual drops (possible platform removals) the estimate left out, "
        "as of computed_at."
    )
    gained: int = Field(
        0,
        description="Flagged unusual gains the estimate left out (not people joining), "
        "as of computed_at.",
    )
    computed_at: datetime


class Apart(Schema):
    """Flagged moves since the campaign's start that are not counted as people who moved:
    unusual drops and gains that no organiser dismissed (a dismissed one counts again). The
    measured change (`change`) includes them; `moved` leaves them out."""

    removed: int = Field(
        description="Flagged unusual drops summed (possible platform removals), negative or 0."
    )
    gained: int = Field(
        description="Flagged unusual gains summed (not counted as people joining), positive or 0."
    )
    removed_confirmed: bool = Field(
        description="True when the organisers confirmed every one of the drops."
    )
    gained_confirmed: bool = Field(
        description="True when the organisers confirmed every one of the gains."
    )
    events: list[str] = Field(
        description="The flagged events: the address of each one's page, with its evidence."
    )


class CampaignEntry(Schema):
    page: PageSummary
    direction: str = Field(description="leave or join: the way the campaign wants people to go.")
    current: int | None
    precision: int
    measured_at: datetime | None
    baseline: int | None
    baseline_at: datetime | None
    proof: str = Field(description="The proof of the current number (likewatch verify checks it).")
    baseline_proof: str = Field(description="The proof of the number at the campaign's start.")
    change: int | None
    change_percent: float | None
    moved: int | None
    rate_hour: float | None
    rate_day: float | None
    stale: bool
    removed: int = Field(
        0, description="Flagged drops since the start (possible platform removals): not in moved."
    )
    gained: int = Field(
        0, description="Flagged unusual gains since the start (not people joining): not in moved."
    )
    apart: Apart = Field(description="Flagged moves since the start that are not in moved.")
    effect: Effect | None = Field(
        None, description="The campaign's effect on this page beyond its usual trend."
    )


class CampaignSummary(Schema):
    slug: str
    title: str
    description: str
    language: str
    starts_at: datetime
    ends_at: datetime | None
    target: int | None


class Note(Schema):
    """What the organisers noted at a moment of the campaign (public with the campaign)."""

    at: datetime
    text: str


class CampaignDetail(CampaignSummary):
    total_change: int
    total_moved: int
    # The net change per hour of all pages: negative when they fall, like total_change.
    total_rate_hour: float
    # People per hour moving the way the campaign wants (positive when it works).
    total_moved_rate_hour: float
    target_percent: float | None
    total_apart: Apart = Field(
        description="All pages' flagged moves since the start that are not in total_moved."
    )
    # The next milestone of people moved (likewatch.analytics.milestones); None when the
    # organisers' own list is used up.
    next_milestone: int | None
    effect: Effect | None = Field(
        None, description="The campaign's effect beyond the pages' usual trends (methodology)."
    )
    pages: list[CampaignEntry]
    annotations: list[Note]
    links: dict[str, str]


class Gap(Schema):
    start: datetime
    end: datetime


class History(Schema):
    page_id: int
    start: datetime
    end: datetime
    resolution: int = Field(description="Seconds per bucket actually used (may be coarser).")
    points: list[tuple[datetime, int | None]] = Field(
        description="[time, value] pairs, oldest first; a null value is a gap."
    )
    gaps: list[Gap] = Field(description="Failed fetches, merged when closer than one bucket.")


class CampaignHistory(Schema):
    slug: str
    start: datetime
    end: datetime
    pages: list[History]


class Event(Schema):
    """A flagged event; what its numbers mean depends on its kind (likewatch.events.detect's
    Finding), and `explanation` says it in words."""

    id: str
    page_id: int
    kind: str = Field(
        description="gain or purge (an unusual gain or drop), gap (fetches that failed), stale "
        "(a count that stopped changing), metric_switch (the platform changed what it reports); "
        "takeoff and fading on events stored by earlier versions."
    )
    starts_at: datetime = Field(description="When the event begins, as the fetches saw it (UTC).")
    ends_at: datetime = Field(description="When it ends (UTC).")
    size: int | None = Field(
        description="gain/purge: people beyond what the page's own history predicted "
        "(observed - expected, signed); gap: fetches missed; stale: fetches that read the same "
        "count; metric_switch: the step."
    )
    expected: float | None = Field(
        description="gain/purge: the change the page's own history predicted over the window; "
        "stale: the changes it made likely."
    )
    observed: float | None = Field(description="gain/purge: the change measured over the window.")
    confidence: float | None = Field(description="0 to 1.")
    explanation: str = Field(description="What happened, in one sentence.")
    status: str = Field(description="flagged (not reviewed), confirmed or dismissed.")
    note: str = Field(description="The organisers' note when they reviewed it.")
    label: str = Field(description="The kind's name in the reader's language.")
    platform_event: str = Field(
        "",
        description="Id of the platform-wide event this is part of: many tracked pages of the "
        "platform moved at once, most likely the platform itself ('' when none).",
    )
    platform_event_url: str = Field("", description="Where that platform-wide event is explained.")


class CheckpointCosignature(Schema):
    """A witness's cosignature of a checkpoint (its line is part of the checkpoint's note)."""

    witness: str = Field(description="The witness's name, as in its cosignature line.")
    signed_at: datetime


class Checkpoint(Schema):
    """A signed checkpoint of the transparency log (C2SP tlog-checkpoint)."""

    size: int = Field(description="How many records (leaves) the log held.")
    root: str = Field(description="The Merkle tree's root hash (RFC 6962), base64.")
    created_at: datetime
    note: str = Field(
        description="The signed note: the checkpoint, the log's signature and every "
        "cosignature gathered (check it with the log's vkey)."
    )
    cosignatures: list[CheckpointCosignature]
    timestamped: bool = Field(
        description="Whether an RFC 3161 timestamp token was obtained for the note."
    )


class CheckpointList(Schema):
    """The transparency log: its identity, how much of it is signed, its newest checkpoints."""

    origin: str = Field(description="The log's origin line, first line of every checkpoint.")
    vkey: str | None = Field(description="The log's public key (a note verifier key).")
    uncovered_leaves: int = Field(description="Records no checkpoint covers yet.")
    checkpoints: list[Checkpoint] = Field(description="The newest checkpoints, newest first.")
