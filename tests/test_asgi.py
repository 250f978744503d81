"""The ASGI entry point keeps what lives as long as the process out of the garbage
collector's way, so that no full collection pauses a crowd's answers."""

from __future__ import annotations

import gc

from asgiref.sync import async_to_sync

from likewatch.asgi import FrozenWhenWarm


def collected(thing: object) -> bool:
    """Whether the collector still walks `thing` (frozen objects are left out)."""
    return any(o is thing for o in gc.get_objects())


def test_what_the_first_answers_loaded_is_frozen_as_they_come():
    """Frozen after the 1st, 2nd, 4th... answer up to the last of the warm-up: behind the
    micro-cache Django answers a crowd once per refresh, and a full collection must not walk
    the first answers' objects until the twentieth comes."""
    loaded = []

    async def app(scope, receive, send):
        loaded.append([object()])  # what an answer leaves behind for the process's life

    try:
        before = [object()]
        warm = FrozenWhenWarm(app, answers=4)
        assert not collected(before)  # start-up's objects, frozen at once
        call = async_to_sync(warm)
        call({"type": "http"}, None, None)
        assert not collected(loaded[0])  # the first answer's, at once
        call({"type": "http"}, None, None)
        assert not collected(loaded[1])
        call({"type": "http"}, None, None)
        assert collected(loaded[2])  # the next freeze comes at the 4th answer
        call({"type": "http"}, None, None)
        assert not any(collected(kept) for kept in loaded)
        call({"type": "http"}, None, None)
        call({"type": "http"}, None, None)
        assert collected(loaded[4]) and collected(loaded[5])  # warm: collected as usual
    finally:
        gc.unfreeze()


def test_an_event_stream_does_not_count_as_an_answer_of_the_warm_up():
    loaded = []

    async def app(scope, receive, send):
        loaded.append([object()])

    try:
        call = async_to_sync(FrozenWhenWarm(app, answers=4))
        call({"type": "websocket"}, None, None)
        assert collected(loaded[0])
        call({"type": "http"}, None, None)
        assert not collected(loaded[1])
    finally:
        gc.unfreeze()
