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
from likewatch.web.microcache import MicroCache  # noqa: E402
from likewatch.web.stream import StreamRoute  # noqa: E402

application = StreamRoute(MicroCache(django_application))

# Everything loaded by now (Django, the apps, their modules and caches) lives as long as the
# process. A full garbage collection would walk all of it, some 130,000 objects, to find
# nothing: a pause of 280 ms measured on a busy two-core machine, during which the event loop
# answers no one: the worst of a crowd's latencies. Frozen, they are left out of every collection.
gc.collect()
gc.freeze()
