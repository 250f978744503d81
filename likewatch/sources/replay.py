"""Reading a kept platform answer again: what count it says, by the page's own source.

The evidence check (likewatch.evidence.audit) asks this when the history no longer matches
its log: the answer the platform gave, kept as received, is evidence the operator's rewrite
did not touch, and the adapter that read it then reads it again now. The source is built as
the poller builds it but with a client that never connects: every request it sends is
answered with the kept bytes (status 200), so nothing leaves the machine. Sources that would
need more than that (a browser rendering the page, a second source as a fallback) are not
replayed.
"""

from __future__ import annotations

import asyncio

import httpx
from django.conf import settings

from likewatch.sources.base import Count
from likewatch.sources.errors import SourceError, UnsupportedURL
from likewatch.sources.registry import source_class


class CannotReplay(Exception):
    """This answer cannot be read again offline (why is the message)."""


def reread(platform: str, platform_id: str, metric: str, options: dict, body: bytes) -> Count:
    """The count of `metric` that `body` says for the page; SourceError when the answer says
    the page could not be read; CannotReplay when the source cannot read it offline."""
    options = dict(options or {})
    if options.get("scripts"):
        raise CannotReplay("the page is read through a browser")
    try:
        cls = source_class(platform)
    except UnsupportedURL as exc:
        raise CannotReplay(str(exc)) from None
    config = dict(settings.LIKEWATCH_SOURCES.get(platform, {}))
    # The API answer is what was kept: no fallback to the public web page, and credentials
    # are needed only to pass the source's own check before it asks.
    config.pop("fallback", None)
    for credential in cls.credentials:
        config[credential.setting] = config.get(credential.setting) or "replay"

    def answer(request: httpx.Request) -> httpx.Response:
        # A stream, as from a connection: the source reads the raw bytes itself.
        return httpx.Response(200, stream=httpx.ByteStream(body))

    async def read():
        async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
            source = cls(config, client=client)
            return await source.read([platform_id], options)

    try:
        results = asyncio.run(read())
    except SourceError:
        raise
    except Exception as exc:  # a source's bug on an odd answer: not evidence either way
        raise CannotReplay(f"the {platform} source cannot read it again: {exc}") from None
    result = results.get(platform_id)
    if isinstance(result, SourceError):
        raise result
    if result is None:
        raise CannotReplay(f"the answer holds no page {platform_id}")
    count = result.counts.get(metric)
    if isinstance(count, SourceError):
        raise count
    if count is None:
        raise CannotReplay(f"the answer holds no {metric} count")
    return count
