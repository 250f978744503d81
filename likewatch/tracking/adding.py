"""Adding pages to track from what a person pastes: any mix of URLs and handles, one a line.

Every line gets an answer: the page it resolved to (name and current count) or one sentence
saying why not. Good lines are added even when others fail.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from likewatch.sources import registry
from likewatch.sources.base import Count, PageRef, Reading
from likewatch.sources.errors import SourceError, Transient, UnsupportedURL
from likewatch.tracking import history
from likewatch.tracking.models import Page

MAX_CONCURRENT = 8
log = logging.getLogger(__name__)


@dataclass
class AddResult:
    """What became of one pasted line."""

    line: str
    pages: list[Page] = field(default_factory=list)
    error: str = ""
    created: bool = False

    @property
    def ok(self) -> bool:
        return not self.error


def metric_problem(platform: str, metric: str | None) -> str:
    """A sentence when `platform` never reports `metric`; empty when it may."""
    if not metric:
        return ""
    offered = registry.source_class(platform).metrics
    if metric in offered:
        return ""
    return _("%(platform)s reports %(offered)s, not %(metric)s.") % {
        "platform": platform,
        "offered": ", ".join(offered),
        "metric": metric,
    }


def add_pages(
    lines: list[str],
    interval: int | None = None,
    metric: str | None = None,
    *,
    configs: dict[str, dict] | None = None,
) -> list[AddResult]:
    """Resolve each line with its platform and start tracking what resolved.

    One series per platform page: `metric` when given, else the platform's main audience
    figure (the first of its source's `metrics` that the platform answered: followers on
    Facebook, likes only for a page that shows no follower count). `configs` holds each
    platform's source configuration (with the organisers' stored tokens:
    likewatch.organisers.credentials.source_configs); missing ones come from the settings.
    """
    # Blank lines and "# " comments are for the person who wrote the list.
    lines = [line.strip() for line in lines if line.strip() and not line.startswith("# ")]
    refs: list[PageRef | AddResult] = []
    # Each line stands alone: a bad one is reported on its own line and the others are added.
    for line in lines:
        try:
            refs.append(registry.parse(line))
        except UnsupportedURL as exc:
            refs.append(AddResult(line, error=str(exc)))
        except (ValueError, UnicodeError):  # e.g. "http://[::1" is no URL at all
            refs.append(AddResult(line, error=_("This line is not a valid address.")))
    readings = asyncio.run(_resolve_all([r for r in refs if isinstance(r, PageRef)], configs or {}))
    results = []
    for line, ref in zip(lines, refs, strict=True):
        if isinstance(ref, AddResult):
            results.append(ref)
            continue
        outcome = readings[ref]
        if isinstance(outcome, SourceError):
            results.append(AddResult(line, error=str(outcome)))
        elif problem := metric_problem(ref.platform, metric):
            results.append(AddResult(line, error=problem))
        else:
            try:
                with transaction.atomic():
                    results.append(_store(line, ref, outcome, interval, metric))
            except DatabaseError:
                log.exception("could not store the page of %r", line)
                results.append(AddResult(line, error=_("This page could not be stored.")))
    return results


async def _resolve_all(
    refs: list[PageRef], configs: dict[str, dict]
) -> dict[PageRef, Reading | SourceError]:
    sources = {}
    limit = asyncio.Semaphore(MAX_CONCURRENT)

    async def resolve(ref: PageRef) -> Reading | SourceError:
        async with limit:
            try:
                if ref.platform not in sources:
                    sources[ref.platform] = registry.make_source(
                        ref.platform, configs.get(ref.platform)
                    )
                return await sources[ref.platform].resolve(ref)
            except SourceError as exc:
                return exc
            except Exception as exc:  # a bug in one source costs its line, not the batch
                log.exception("resolving %s failed", ref.url or ref.key)
                return Transient(f"internal error: {type(exc).__name__}")

    try:
        unique = list(dict.fromkeys(refs))
        outcomes = await asyncio.gather(*(resolve(ref) for ref in unique))
        return dict(zip(unique, outcomes, strict=True))
    finally:
        for source in sources.values():
            await source.aclose()


def _store(
    line: str, ref: PageRef, reading: Reading, interval: int | None, wanted: str | None
) -> AddResult:
    source_cls = registry.source_class(ref.platform)
    result = AddResult(line)
    usable = {m: c for m, c in reading.counts.items() if isinstance(c, Count)}
    if not usable:
        problems = "; ".join(str(c) for c in reading.counts.values()) or "no count at all"
        return AddResult(line, error=f"{ref.platform} gave no usable count: {problems}")
    if wanted and wanted not in usable:
        problem = reading.counts.get(wanted)
        return AddResult(
            line,
            error=_("%(platform)s gave no %(metric)s count for this page%(why)s.")
            % {
                "platform": ref.platform,
                "metric": wanted,
                "why": f": {problem}" if problem else "",
            },
        )
    chosen = wanted or next(m for m in (*source_cls.metrics, *usable) if m in usable)
    with transaction.atomic():
        for metric in [chosen]:
            page, created = Page.objects.get_or_create(
                platform=ref.platform,
                platform_id=reading.platform_id,
                metric=metric,
                defaults={
                    "handle": reading.handle or ref.key,
                    "name": reading.name,
                    "url": reading.url or ref.url,
                    "options": ref.options,
                    **({"interval": interval} if interval else {}),
                },
            )
            if created:
                history.record_count(
                    page,
                    usable[metric],
                    reading.fetched_at or timezone.now(),
                    provenance=reading.provenance,
                    source_url=reading.source_url,
                )
                page.next_fetch_at = timezone.now() + timezone.timedelta(seconds=page.interval)
                page.save(update_fields=["next_fetch_at"])
            result.created = result.created or created
            result.pages.append(page)
    return result
