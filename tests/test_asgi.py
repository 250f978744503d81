"""The ASGI entry point keeps what lives as long as the process out of the garbage
collector's way, so that no full collection pauses a crowd's answers."""

from __future__ import annotations

import gc

from asgiref.sync import async_to_sync

from likewatch.asgi import FrozenWhenWarm


def collected(thing: object) -> bool:
    """Whether the collector still walks `thing` (frozen objects are left out)."""
    return any(o is thing for o in gc.get_objects())


def test_what_the_first_answers_loaded_is_frozen_once_warm():
    loaded = []

    async def app(scope, receive, send):
        loaded.append([object()])  # what an answer leaves behind for the process's life

    try:
        before = [object()]
        warm = FrozenWhenWarm(app, answers=3)
        assert not collected(before)  # start-up's objects, frozen at once
        call = async_to_sync(warm)
        call({"type": "http"}, None, None)
        call({"type": "http"}, None, None)
        assert collected(loaded[0])  # still warming up
        call({"type": "http"}, None, None)
        assert not any(collected(kept) for kept in loaded)
        call({"type": "http"}, None, None)
        assert collected(loaded[3])  # once only: later answers are collected as usual
    finally:
        gc.unfreeze()
