"""Campaigns with real recorded histories, for the API and sharing tests.

Histories are written through `record_count` / `record_failure`, the only writers, so the
tests read what production would.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from likewatch.sources.base import Count
from likewatch.sources.errors import Transient
from likewatch.tracking.history import record_count, record_failure
from likewatch.tracking.models import Campaign, CampaignPage, Page

START = datetime(2016, 3, 12, 12, 0, tzinfo=UTC)
HOSTILE = '<script>alert(1)</script> =HYPERLINK("http://evil.example","x") \u202egnp.exe'


# The Moroccan operators' page numbers, fixed so tests can name their addresses on every
# database (PostgreSQL sequences do not restart between tests).
TELECOM, INWI, MEDITEL = 1_000_001, 1_000_002, 1_000_003


def page(platform_id: str, name: str, metric: str = "likes", pk: int | None = None) -> Page:
    return Page.objects.create(
        pk=pk, platform="facebook", platform_id=platform_id, metric=metric, name=name, interval=300
    )


def record_hourly(page: Page, values: list[int | None], start: datetime = START) -> None:
    """One fetch per hour from `start`; repeated values extend a span."""
    for hour, value in enumerate(values):
        record_count(page, Count(value), start + timedelta(hours=hour))


def campaign(
    slug: str = "morocco-2016",
    title: str = "Unlike the operators",
    *,
    public: bool = True,
    target: int | None = 100_000,
    language: str = "en",
    pages: list[tuple[Page, str]] = (),
) -> Campaign:
    made = Campaign.objects.create(
        slug=slug,
        title=title,
        description="Morocco, 2016: leave the telecom operators' pages.",
        starts_at=START,
        target=target,
        language=language,
        public=public,
    )
    for position, (p, direction) in enumerate(pages):
        CampaignPage.objects.create(campaign=made, page=p, direction=direction, position=position)
    return made


def morocco() -> Campaign:
    """Three operators losing likes over a day, with one failed fetch and a hidden count."""
    telecom = page("111", "Maroc Telecom", pk=TELECOM)
    inwi = page("222", "inwi", pk=INWI)
    meditel = page("333", "Meditel", pk=MEDITEL)
    record_hourly(telecom, [3_150_000 - 2_500 * h for h in range(25)])
    record_hourly(inwi, [1_200_000 - 1_800 * h for h in range(25)])
    record_hourly(meditel, [900_000, 900_000, 899_000, None, 897_000, 896_000])
    record_failure(meditel, Transient("timeout"), START + timedelta(hours=6, minutes=5))
    return campaign(pages=[(telecom, "leave"), (inwi, "leave"), (meditel, "leave")])


def fail(page: Page, at: datetime, message: str = "timeout") -> None:
    record_failure(page, Transient(message), at)


def flag_events(page_pk: int) -> None:
    """Two stored events of one page: a confirmed unusual gain whose organisers' note holds
    markup (to be escaped everywhere), and an open unusual drop an hour earlier."""
    from likewatch.events.models import Event, Kind, Status

    Event.objects.create(
        page_id=page_pk,
        kind=Kind.GAIN,
        start=START + timedelta(hours=3),
        end=START + timedelta(hours=4),
        size=5000,
        expected=-2500,
        seen=2500,
        confidence=0.97,
        status=Status.CONFIRMED,
        note="<b>Checked</b> by hand.",
    )
    Event.objects.create(
        page_id=page_pk,
        kind=Kind.PURGE,
        start=START + timedelta(hours=1),
        end=START + timedelta(hours=2),
        size=-4000,
        expected=-2500,
        seen=-6500,
        confidence=0.9,
    )


def compile_catalogs() -> None:
    """Compile the translation catalogs when `make locale` has not (a bare pytest run), so
    the Arabic and French surfaces are tested translated."""
    root = Path(__file__).resolve().parent.parent / "likewatch"
    for po in root.glob("**/locale/*/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run(["msgfmt", "--check", "-o", str(mo), str(po)], check=True)


compile_catalogs()
