"""Load at start-up what the first answer would otherwise load while a reader waits.

Django imports the URLconf, and through it every view and what they import (the API's
routers, scipy for the effect fits...), on the first request: 2.8 CPU-seconds on this
session's two-core machine, 3.5-4 s of wall time for whoever asked first (the history
benchmark's first sample). The server loads it before it accepts connections instead, and
so does every benchmark that times answers, to time what a reader gets.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import get_resolver
from django.utils import translation


def warm() -> None:
    """Import the URLconf with every view it names, and the translation catalogs."""
    get_resolver().url_patterns  # noqa: B018 (a lazy property: reading it imports the views)
    # Each language's catalog is read once per process, on its first activation.
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Likewatch")
