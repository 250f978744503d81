"""The organisers' screens and the public evidence and event pages at phone width: nothing
wider than the screen, in every language. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.browser.conftest import ARTEFACTS
from tests.browser.test_boards import board, no_overflow  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ORGANISER_PATHS = [
    "/manage/",
    "/manage/new/",
    "/manage/c/operators/",
    "/manage/c/operators/edit/",
    "/manage/c/operators/pages/add/",
    "/manage/c/operators/annotations/",
    "/manage/c/operators/people/",
    "/manage/c/operators/alerts/",
    "/manage/c/operators/audit/",
    "/manage/c/operators/events/",
    "/manage/credentials/",
    "/manage/tokens/",
    "/manage/audit/",
]
PUBLIC_PATHS = ["/accounts/login/", "/events/", "/evidence/", "/evidence/checkpoints/"]


@pytest.fixture
def session(board):  # noqa: F811
    """A signed-in staff organiser's session cookie, made before the browser starts."""
    user = get_user_model().objects.create_superuser("organiser", "o@example.org", "pw-12345678")
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_every_screen_fits_a_phone(chromium, asgi_site, session, language):
    context = chromium.new_context(
        viewport={"width": 360, "height": 800},
        locale=language,
        extra_http_headers={"Accept-Language": language},
    )
    page = context.new_page()
    wide = []
    for path in PUBLIC_PATHS:
        page.goto(f"{asgi_site}{path}")
        if page.evaluate("document.documentElement.scrollWidth") > 360:
            wide.append(path)
    context.add_cookies([{"name": "sessionid", "value": session, "url": asgi_site}])
    for path in ORGANISER_PATHS:
        response = page.goto(f"{asgi_site}{path}")
        assert response.status < 400, (path, response.status)
        if page.evaluate("document.documentElement.scrollWidth") > 360:
            wide.append(path)
            ARTEFACTS.mkdir(exist_ok=True)
            name = path.strip("/").replace("/", "-")
            page.screenshot(path=ARTEFACTS / f"wide-{name}-{language}.png", full_page=True)
    assert wide == [], f"wider than a 360 px phone: {wide}"
    context.close()
