"""Times given on the command line (--since, --until, a campaign's --start and --end): ISO 8601
with a zone, or "now" where the command allows it.

These times name instants, so a time without a zone (whose meaning would depend on the
machine that reads it) is refused rather than guessed.
"""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import CommandError
from django.utils import timezone

NOW = "now"


def parse(value: str | None, option: str, *, now: bool = False) -> datetime | None:
    """`value` as an aware datetime (None when not given); CommandError saying why not.

    With `now`, the word "now" is the present moment (a campaign starting as it is created).
    """
    if not value:
        return None
    if now and value.strip().lower() == NOW:
        return timezone.now()
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        also = ' or "now"' if now else ""
        raise CommandError(
            f"{option} {value!r} is not an ISO 8601 time (like 2016-02-26T22:00:00Z){also}."
        ) from None
    if moment.tzinfo is None:
        raise CommandError(f"{option} {value!r} needs a time zone (e.g. Z).")
    return moment
