"""The site's own address: SITE_URL when set, else the address the request came to."""

import pytest
from django.test import RequestFactory

from likewatch import site


def test_a_configured_site_url_wins(settings):
    settings.SITE_URL = "https://likewatch.example.org/"
    assert site.absolute("/c/x/") == "https://likewatch.example.org/c/x/"


def test_without_site_url_links_follow_the_request(settings):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["board.example.net"]
    seen = {}

    def view(request):
        seen["url"] = site.absolute("/c/x/")
        return None

    request = RequestFactory().get("/", HTTP_HOST="board.example.net:8123")
    site.OriginMiddleware(view)(request)
    assert seen["url"] == "http://board.example.net:8123/c/x/"
    # Outside the request, the request's address is forgotten.
    assert site.url() == site.LAST_RESORT


def test_a_wildcard_bind_is_named_by_the_machine():
    assert site.served_at("127.0.0.1", 8105) == "http://127.0.0.1:8105"
    assert "0.0.0.0" not in site.served_at("0.0.0.0", 8105)
    assert site.served_at("::1", 8105) == "http://[::1]:8105"


@pytest.mark.parametrize(
    ("production", "url", "warned"),
    [(True, "", True), (True, "https://x.org", False), (False, "", False)],
)
def test_production_without_site_url_is_warned(settings, production, url, warned):
    settings.LIKEWATCH_PRODUCTION = production
    settings.SITE_URL = url
    ids = [m.id for m in site.check_site_url()]
    assert (ids == ["likewatch.W100"]) is warned
