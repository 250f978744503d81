"""ASGI entry point: `uvicorn likewatch.asgi:application` (what `likewatch serve` runs)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "likewatch.settings")
application = get_asgi_application()
