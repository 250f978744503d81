"""Adding pages from what a person pastes: any mix of URLs and handles, one answer a line."""

import pytest

from likewatch.tracking.adding import add_pages
from likewatch.tracking.models import Observation, Page
from tests.replay import ReplayServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def platforms(settings):
    """YouTube, X and Bluesky answered by one replay server."""
    with ReplayServer() as server:
        server.route("/channels", "youtube/channel_handle", when={"forHandle": "@googledevelopers"})
        server.route("/users/by", "x/users_by_username", when={"usernames": "xdevelopers"})
        server.route("/users/by", "x/users_by_unknown", when={"usernames": "nosuchuser_xyz"})
        server.route("/xrpc/app.bsky.actor.getProfile", "bluesky/profile_one")
        settings.LIKEWATCH_SOURCES = {
            **settings.LIKEWATCH_SOURCES,
            "youtube": {"base_url": server.base_url, "token": "k", "daily_quota": 10_000},
            "x": {"base_url": server.base_url, "token": "t"},
            "bluesky": {"base_url": server.base_url},
        }
        yield server


def test_every_line_gets_an_answer_and_the_good_ones_are_added(platforms):
    results = add_pages(
        [
            "https://www.youtube.com/@GoogleDevelopers",
            "x:@XDevelopers",
            "",
            "# the campaign's targets",
            "bsky.app",
            "bsky:bsky.app",
            "x:@nosuchuser_xyz",
            "@someone",
        ]
    )
    by_line = {r.line: r for r in results}
    assert len(results) == 6
    youtube = by_line["https://www.youtube.com/@GoogleDevelopers"].pages[0]
    assert (youtube.platform, youtube.platform_id, youtube.name) == (
        "youtube",
        "UC_x5XG1OV2P6uZZ5FSM9Ttw",
        "Google for Developers",
    )
    first = Observation.objects.get(page=youtube)
    assert (first.value, first.precision) == (2_450_000, 10_000)
    assert by_line["x:@XDevelopers"].pages[0].platform_id == "2244994945"
    assert by_line["bsky:bsky.app"].pages[0].platform_id == "did:plc:z72i7hdynmk6r22z27h6tvur"
    assert "not a page address" in by_line["bsky.app"].error
    assert "Could not find user" in by_line["x:@nosuchuser_xyz"].error
    assert "prefix" in by_line["@someone"].error
    assert Page.objects.count() == 3


def test_another_form_of_a_tracked_page_is_already_tracked(platforms):
    add_pages(["x:@XDevelopers"])
    again = add_pages(["https://twitter.com/xdevelopers?lang=fr"])[0]
    assert again.ok and not again.created
    assert Page.objects.filter(platform="x").count() == 1


def test_a_page_added_by_handle_is_found_again_by_any_of_its_forms(platforms):
    from likewatch.tracking.lookup import find_pages

    (added,) = add_pages(["x:@XDevelopers"])
    for form in ("https://x.com/XDevelopers", "x:@xdevelopers", "twitter.com/XDEVELOPERS"):
        assert find_pages(form) == added.pages, form
