"""ASGI entry point: `uvicorn likewatch.asgi:application` (what `likewatch serve` runs).

In front of Django: anonymous visitors' board event streams are served straight from ASGI
(likewatch.web.stream), and public answers to crowds from memory (likewatch.web.microcache).
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "likewatch.settings")
django_application = get_asgi_application()

# These need the settings loaded.
from likewatch.warmup import warm  # noqa: E402
from likewatch.web.microcache import MicroCache  # noqa: E402
from likewatch.web.stream import StreamRoute  # noqa: E402

# Before the first connection, not during the first answer (likewatch.warmup); and before
# FrozenWhenWarm freezes what start-up loaded.
warm()


class FrozenWhenWarm:
    """Keeps long-lived objects out of the garbage collector's way.

    Everything loaded at start-up (Django, the apps, their modules) and on Django's first
    answers (compiled templates, translation catalogs, URL patterns, the ORM's caches) lives
    as long as the process. A full collection would walk all of it to find nothing: 282 ms
    for the objects loaded at start-up and 184 ms for those of the first answers, measured on
    a busy two-core machine, pauses during which the event loop answers no one (the worst of
    a crowd's latencies). Both are frozen: out of every collection from then on.

    The first answers' objects are frozen as they come, after the 1st, 2nd, 4th, 8th... and
    the `answers`-th, not once at the end: behind the micro-cache Django answers a crowd once
    per refresh (every couple of seconds), so a single freeze at the 20th answer came 40 s
    into a crowd, and full collections walked the first answers' objects meanwhile (77-99 ms
    pauses, the worst latency of a 10-second crowd on a busy two-core machine). Each freeze
    first collects the young generations (a millisecond), so that no passing garbage is frozen.
    """

    def __init__(self, app, answers: int = 20) -> None:
        self.app = app
        self.answers = answers
        self.seen = 0
        self.next_freeze = 1
        gc.collect()
        gc.freeze()

    async def __call__(self, scope, receive, send) -> None:
        await self.app(scope, receive, send)
        if self.seen < self.answers and scope["type"] == "http":
            self.seen += 1
            if self.seen == self.next_freeze:
                self.next_freeze = min(self.seen * 2, self.answers)
                gc.collect(1)  # the young garbage, in a millisecond; not a full collection
                gc.freeze()


application = StreamRoute(MicroCache(FrozenWhenWarm(django_application)))
