"""Start-up loads what the first answer would: no reader waits for the views to be imported."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.processes import ROOT, child_env

# A fresh interpreter: this test process has imported everything long ago.
PROBE = """
import json, sys
import django
django.setup()
before = "likewatch.api.pages" in sys.modules
import likewatch.asgi
from django.utils.translation import trans_real
print(json.dumps({
    "before": before,
    "views": "likewatch.api.pages" in sys.modules and "likewatch.web.views" in sys.modules,
    "catalogs": sorted(trans_real._translations),
}))
"""


def test_the_asgi_application_loads_the_views_and_catalogs_before_any_request():
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=child_env(DJANGO_SETTINGS_MODULE="likewatch.settings", SECRET_KEY="t" * 50),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded["before"] is False  # django.setup() alone does not import the views
    assert loaded["views"] is True
    assert {"ar", "en", "fr"} <= set(loaded["catalogs"])
