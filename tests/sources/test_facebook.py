"""Facebook pages: 50 ids a request, unknown aliases, throttling, the public-page fallback."""

import pytest

from likewatch.sources import registry
from likewatch.sources.base import Count
from likewatch.sources.errors import (
    AuthError,
    InvalidAnswer,
    MissingCredentials,
    NotFound,
    RateLimited,
)
from likewatch.sources.facebook import FacebookSource
from tests.replay import drive

MAROC = "110380648982071"
MEDITEL = "126004664087391"


def source(replay, token="test-token", fallback="web"):
    return FacebookSource(
        {
            "base_url": replay.base_url,
            "api_version": "v24.0",
            "token": token,
            "fallback": fallback,
            "web_url": replay.base_url,
        }
    )


def test_one_request_reads_both_metrics_of_every_page_in_the_batch(replay):
    replay.route("/v24.0/", "facebook/pages_batch")
    results = drive(source(replay), lambda s: s.read([MAROC, MEDITEL]))
    assert len(replay.asked("/v24.0/")) == 1
    assert replay.asked("/v24.0/")[0].param("ids") == f"{MAROC},{MEDITEL}"
    maroc = results[MAROC]
    assert maroc.counts == {"followers": Count(3_240_000), "likes": Count(3_150_000)}
    assert maroc.provenance == "api"
    # A page on the New Pages Experience shows followers only: likes fail alone.
    assert results[MEDITEL].counts["followers"] == Count(2_410_000)
    assert isinstance(results[MEDITEL].counts["likes"], InvalidAnswer)


def test_an_alias_that_does_not_exist_fails_alone_and_the_rest_is_read(replay):
    replay.route("/v24.0/", "facebook/pages_batch")
    replay.route("/v24.0/", "facebook/missing_alias", when={"ids": f"{MAROC},nosuchpage"})
    results = drive(source(replay), lambda s: s.read([MAROC, "nosuchpage"]))
    assert isinstance(results["nosuchpage"], NotFound)
    assert results[MAROC].counts["followers"] == Count(3_240_000)


def test_a_page_limit_waits_as_long_as_the_usage_header_says(replay):
    replay.route("/v24.0/", "facebook/page_limit")
    with pytest.raises(RateLimited) as refused:
        drive(source(replay), lambda s: s.read([MAROC]))
    assert refused.value.retry_at is not None


def test_zero_and_negative_counts_are_never_recorded(replay):
    replay.route("/v24.0/", "facebook/malformed")
    results = drive(source(replay), lambda s: s.read([MAROC]))
    assert all(isinstance(c, InvalidAnswer) for c in results[MAROC].counts.values())


def test_an_html_page_instead_of_the_graph_api_answer_is_an_invalid_answer(replay):
    replay.route("/v24.0/", "facebook/html_error")
    with pytest.raises(InvalidAnswer):
        drive(source(replay), lambda s: s.read([MAROC]))


def test_without_page_public_metadata_access_the_public_page_is_read_instead(replay):
    replay.route("/v24.0/", "facebook/no_ppma")
    replay.route(f"/{MAROC}", "web/facebook_page")
    src = source(replay)
    results = drive(src, lambda s: s.read([MAROC]))
    reading = results[MAROC]
    assert reading.provenance == "scrape"
    assert reading.counts["likes"] == Count(3_150_000)
    assert reading.counts["followers"] == Count(3_200_000, 100_000)
    assert src.app_refused


def test_without_fallback_the_missing_feature_is_an_auth_error_saying_what_to_do(replay):
    replay.route("/v24.0/", "facebook/no_ppma")
    with pytest.raises(AuthError) as refused:
        drive(source(replay, fallback=""), lambda s: s.read([MAROC]))
    assert "Page Public Metadata Access" in str(refused.value)


def test_without_a_token_a_page_is_resolved_from_its_public_page(replay):
    replay.route("/MarocTelecom", "web/facebook_page")
    ref = registry.parse("https://m.facebook.com/MarocTelecom/?ref=page_internal")
    reading = drive(source(replay, token=""), lambda s: s.resolve(ref))
    assert reading.platform_id == MAROC  # the id from the page's app links
    assert reading.provenance == "scrape"
    assert replay.asked("/v24.0/") == []


def test_an_arabic_public_page_is_read_with_its_precision(replay):
    replay.route("/inwi.ma", "web/facebook_page_ar")
    reading = drive(source(replay, token=""), lambda s: s.resolve(registry.parse("fb:inwi.ma")))
    assert reading.platform_id == "138919722807476"
    assert reading.counts["likes"] == Count(2_700_000, 100_000)
    assert reading.counts["followers"] == Count(2_800_000, 100_000)


def test_a_login_wall_is_never_read_as_a_count(replay):
    replay.route("/privatepage", "web/facebook_login_wall")
    with pytest.raises(AuthError):
        drive(source(replay, token=""), lambda s: s.resolve(registry.parse("fb:privatepage")))


def test_without_token_or_fallback_the_source_says_what_to_set(replay):
    with pytest.raises(MissingCredentials) as refused:
        drive(source(replay, token="", fallback=""), lambda s: s.read([MAROC]))
    assert "FACEBOOK_TOKEN" in str(refused.value)


# Every documented Graph API permission error is an authorisation error, so the page shows
# what to fix and FACEBOOK_FALLBACK=web engages (recorded answers; see each fixture's _source).
PERMISSION_ERRORS = [
    "facebook/ppca_app_secret_proof",  # (#100) Pages Public Content Access requires …
    "facebook/missing_permissions_100",  # (#100) Missing permissions
    "facebook/permissions_error_200",  # 200-299: API permission
    "facebook/extended_permission_283",
    "facebook/app_capability_3",  # 3: API method, a capability or permission issue
    "facebook/no_ppma",  # 10: permission denied
]


@pytest.mark.parametrize("fixture", PERMISSION_ERRORS)
def test_a_permission_error_is_an_auth_error_that_says_what_to_do(replay, fixture):
    replay.route("/v24.0/", fixture)
    with pytest.raises(AuthError) as refused:
        drive(source(replay, fallback=""), lambda s: s.read([MAROC]))
    assert refused.value.kind == "auth"
    assert "FACEBOOK_FALLBACK=web" in refused.value.hint
    assert "Graph API error" in refused.value.message


@pytest.mark.parametrize("fixture", PERMISSION_ERRORS)
def test_a_permission_error_engages_the_public_page_fallback(replay, fixture):
    replay.route("/v24.0/", fixture)
    replay.route(f"/{MAROC}", "web/facebook_page")
    src = source(replay)
    reading = drive(src, lambda s: s.read([MAROC]))[MAROC]
    assert reading.provenance == "scrape"
    assert reading.counts["likes"] == Count(3_150_000)
    assert src.app_refused


def test_pages_public_content_access_says_which_token_to_use(replay):
    replay.route("/v24.0/MarocTelecom", "facebook/ppca_app_secret_proof")
    with pytest.raises(AuthError) as refused:
        drive(source(replay, fallback=""), lambda s: s.resolve(registry.parse("fb:MarocTelecom")))
    assert "app token" in refused.value.hint


@pytest.mark.parametrize(
    "fixture",
    [
        "facebook/token_expired",  # 190/463: the session expired
        "facebook/token_password_changed_460",  # 190/460: the user changed their password
    ],
)
def test_an_expired_token_asks_for_a_new_one_and_is_not_hidden_by_the_fallback(replay, fixture):
    replay.route("/v24.0/", fixture)
    replay.route(f"/{MAROC}", "web/facebook_page")
    src = source(replay)
    with pytest.raises(AuthError) as refused:
        drive(src, lambda s: s.read([MAROC]))
    assert "expired" in refused.value.hint
    assert not src.app_refused
    assert replay.asked(f"/{MAROC}") == []
