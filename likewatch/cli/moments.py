"""Times given on the command line for evidence (--since, --until): ISO 8601 with a zone.

Evidence names instants, so a time without a zone (whose meaning would depend on the
machine that reads it) is refused rather than guessed.
"""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import CommandError


def parse(value: str | None, option: str) -> datetime | None:
    """`value` as an aware datetime (None when not given); CommandError saying why not."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CommandError(
            f"{option} {value!r} is not an ISO 8601 time (like 2016-02-26T22:00:00Z)."
        ) from None
    if moment.tzinfo is None:
        raise CommandError(f"{option} {value!r} needs a time zone (e.g. Z).")
    return moment
