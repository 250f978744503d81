"""Pages falling due one after another, for tests whose pollers run on a database of their own.

Run as `python -m tests.faults.due_pages PREFIX COUNT` with DATABASE_URL set (and the database
migrated): it adds COUNT Facebook pages PREFIX0 … PREFIX{COUNT-1}, fetched every second, the
first due now and the others spread over the next second, so the pollers' work is even.
"""

from __future__ import annotations

import sys
from datetime import timedelta


def main(prefix: str, count: int) -> None:
    import django

    django.setup()
    from django.utils import timezone

    from likewatch.tracking.models import Page

    now = timezone.now()
    for i in range(count):
        Page.objects.create(
            platform="facebook",
            platform_id=f"{prefix}{i}",
            metric="followers",
            interval=1,
            next_fetch_at=now + timedelta(seconds=i / count),
        )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
