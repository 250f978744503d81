"""How the command line shows pages, numbers and times."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone, translation

from likewatch import formatting
from likewatch.tracking.models import Page


def number(value: int | float | None, signed: bool = False) -> str:
    """A number as the board writes it in English (likewatch.formatting: the same grouping
    and the same minus sign on every surface)."""
    if value is None:
        return "-"
    decimals = 1 if isinstance(value, float) else 0
    with translation.override("en"):
        return formatting.signed(value, decimals) if signed else formatting.number(value, decimals)


def moment(value: datetime | None) -> str:
    if value is None:
        return "-"
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def describe_pages(pages: list[Page]) -> str:
    """'Maroc Telecom (facebook 1103…): followers 3,240,000, likes 3,150,000'."""
    if not pages:
        return "-"
    first = pages[0]
    counts = []
    for page in pages:
        latest = page.observations.order_by("-seq").first()
        value = "hidden" if latest and latest.value is None else number(latest and latest.value)
        counts.append(f"{page.metric} {value} [#{page.pk}]")
    return f"{first.label} ({first.platform} {first.platform_id}): {', '.join(counts)}"


def table(rows: list[list[str]], headers: list[str]) -> str:
    """A plain text table, columns padded to their widest cell."""
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=True)]
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    return "\n".join(lines)
