"""Recording what organisers change. Every view and API endpoint that writes calls `record`."""

from __future__ import annotations

from likewatch.organisers.models import AuditEntry
from likewatch.tracking.models import Campaign


def record(
    actor,
    action: str,
    summary: str,
    campaign: Campaign | None = None,
    changes: dict | None = None,
    via: str = "web",
) -> AuditEntry:
    """Append one audit entry. `changes` holds before/after values, never secrets."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=actor.get_username() if actor is not None and actor.is_authenticated else "",
        campaign=campaign,
        campaign_slug=campaign.slug if campaign else "",
        action=action,
        summary=summary[:500],
        changes=changes or {},
        via=via,
    )


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields that changed, as JSON-friendly strings."""
    return {
        key: [_plain(before.get(key)), _plain(value)]
        for key, value in after.items()
        if before.get(key) != value
    }


def describe(changes: dict) -> str:
    """'milestone_every 500 → 1000; target – → 150000': what changed, from what, to what.

    Values are shown as stored (ISO times, plain numbers) so the log reads the same in every
    language and can be compared with the API; long texts are cut."""
    parts = []
    for key in sorted(changes):
        old, new = changes[key]
        parts.append(f"{key} {_shown(old)} \u2192 {_shown(new)}")
    return "; ".join(parts)


def _shown(value) -> str:
    if value is None or value == "":
        return "\u2013"
    text = str(value)
    return text if len(text) <= 60 else text[:59] + "\u2026"


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
