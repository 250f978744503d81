"""`likewatch status` says, for each platform with pages but no credentials, what to set."""

import pytest

from likewatch.cli.management.commands.status import credential_warnings
from likewatch.tracking.models import Page

pytestmark = pytest.mark.django_db


def track(platform: str) -> None:
    Page.objects.create(platform=platform, platform_id=f"{platform}-1", metric="followers")


def test_each_platform_without_credentials_names_its_variables(settings):
    settings.LIKEWATCH_SOURCES = {
        **settings.LIKEWATCH_SOURCES,
        "youtube": {"token": ""},
        "x": {"token": ""},
        "telegram": {"token": "set"},
        "instagram": {"token": "set", "user_id": ""},
        "facebook": {**settings.LIKEWATCH_SOURCES["facebook"], "token": "", "fallback": ""},
    }
    for platform in ("youtube", "x", "telegram", "instagram", "facebook", "bluesky", "mastodon"):
        track(platform)
    warnings = "\n".join(credential_warnings())
    assert "YOUTUBE_API_KEY" in warnings
    assert "X_BEARER_TOKEN" in warnings
    assert "INSTAGRAM_USER_ID" in warnings and "INSTAGRAM_TOKEN" not in warnings
    assert "FACEBOOK_TOKEN" in warnings
    assert "telegram" not in warnings
    # Bluesky's public AppView and Mastodon's public API need no token.
    assert "bluesky" not in warnings and "mastodon" not in warnings


def test_platforms_without_tracked_pages_are_not_mentioned(settings):
    settings.LIKEWATCH_SOURCES = {**settings.LIKEWATCH_SOURCES, "youtube": {"token": ""}}
    assert credential_warnings() == []


def test_facebook_reading_public_pages_says_so_and_how_to_use_the_api(settings):
    settings.LIKEWATCH_SOURCES = {
        **settings.LIKEWATCH_SOURCES,
        "facebook": {**settings.LIKEWATCH_SOURCES["facebook"], "token": "", "fallback": "web"},
    }
    track("facebook")
    (warning,) = credential_warnings()
    assert "public web pages" in warning and "FACEBOOK_TOKEN" in warning
