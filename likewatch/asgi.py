"""ASGI entry point: `uvicorn likewatch.asgi:application` (what `likewatch serve` runs).

In front of Django: anonymous visitors' board event streams are served straight from ASGI
(likewatch.web.stream), and public answers to crowds from memory (likewatch.web.microcache).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "likewatch.settings")
django_application = get_asgi_application()

# These need the settings loaded.
from likewatch.web.microcache import MicroCache  # noqa: E402
from likewatch.web.stream import StreamRoute  # noqa: E402

application = StreamRoute(MicroCache(django_application))
