"""The board's live events: computed once per change and language when many visitors watch
one campaign, so every listener gets the same bytes. Which pages changed comes from the
fan-out's broker (likewatch.fanout.broker).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable

from asgiref.sync import sync_to_async
from django.utils import translation


class CampaignFeed:
    """Board events computed once per (campaign, version, language), shared by listeners."""

    def __init__(self, render: Callable[[object], str], size: int = 64) -> None:
        self.render = render
        self.size = size
        self._cache: OrderedDict[tuple, asyncio.Future] = OrderedDict()

    async def event(self, campaign, version: str, key: str) -> bytes:
        """The `board` message for the active language, encoded; `key` identifies the history
        state (and `version` is sent as the message's id)."""
        cache_key = (campaign.pk, key, translation.get_language())
        loop = asyncio.get_running_loop()
        future = self._cache.get(cache_key)
        if future is None or future.get_loop() is not loop:
            future = loop.create_future()
            self._cache[cache_key] = future
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
            try:
                data = await sync_to_async(self.render)(campaign)
                future.set_result(f"id: {version}\nevent: board\ndata: {data}\n\n".encode())
            except Exception as exc:
                self._cache.pop(cache_key, None)
                future.set_exception(exc)
                raise
        return await asyncio.shield(future)
