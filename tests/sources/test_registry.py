"""Recognising what people paste: every URL form and handle, and nothing else.

Property-tested: arbitrary text never crashes recognition, and every accepted form of a
page (with or without scheme, www or m., query strings, trailing slashes, prefixes, other
letter cases) comes back as the same canonical page, whose own URL reads back to itself.
"""

import contextlib

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from likewatch.sources import facebook, registry, telegram, x
from likewatch.sources.base import Source
from likewatch.sources.errors import UnsupportedURL


def same_page(forms: list[str]):
    refs = {form: registry.parse(form) for form in forms}
    first = refs[forms[0]]
    for form, ref in refs.items():
        assert (ref.platform, ref.key) == (first.platform, first.key), form
    assert registry.parse(first.url) == first
    return first


# Shared machines make timings vary: properties are checked without a deadline.
@settings(deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_is_recognised_or_refused_with_a_sentence(text):
    try:
        ref = registry.parse(text)
    except UnsupportedURL as exc:
        assert "likewatch" in str(exc)
        return
    assert ref.platform in registry.platforms()


@settings(deadline=None)
@given(
    st.sampled_from(["https://", "http://", "", "@", "yt:", "x:", "tg:", "bsky:", "json:", "web:"]),
    st.sampled_from(
        [
            "www.facebook.com/",
            "youtube.com/",
            "x.com/",
            "t.me/",
            "bsky.app/profile/",
            "",
            "mastodon.social/@",
        ]
    ),
    st.text(max_size=80),
)
def test_url_shaped_garbage_never_crashes_recognition(scheme, host, rest):
    # Recognised or refused with UnsupportedURL; any other exception fails the test.
    with contextlib.suppress(UnsupportedURL):
        registry.parse(scheme + host + rest)


NAMES = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9.]{0,40}", fullmatch=True)


@settings(deadline=None)
@given(NAMES)
def test_facebook_name_forms(name):
    assume(name.lower() not in facebook.RESERVED and not name.endswith(".php"))
    assume(name not in ("pages", "people", "pg"))
    ref = same_page(
        [
            f"https://www.facebook.com/{name}",
            f"http://m.facebook.com/{name}/",
            f"fb.com/{name}?ref=bookmarks&hc_ref=ARx",
            f"https://web.facebook.com/{name}/about/",
            f"https://www.facebook.com/pg/{name}/posts/",
            f"fb:{name}",
        ]
    )
    assert ref.platform == "facebook"


@settings(deadline=None)
@given(st.integers(min_value=10_000, max_value=10**16), NAMES)
def test_facebook_numeric_forms(number, name):
    assume(name.lower() not in facebook.RESERVED)
    same_page(
        [
            f"https://www.facebook.com/profile.php?id={number}",
            f"https://m.facebook.com/profile.php?id={number}&ref=content_filter",
            f"https://www.facebook.com/pages/{name}/{number}",
            f"https://www.facebook.com/people/{name}/{number}/",
            f"facebook.com/{number}",
        ]
    )


@settings(deadline=None)
@given(st.from_regex(r"[A-Za-z0-9._-]{3,30}", fullmatch=True))
def test_youtube_handle_forms(handle):
    ref = same_page(
        [
            f"https://www.youtube.com/@{handle}",
            f"youtube.com/@{handle.upper()}/videos",
            f"https://m.youtube.com/@{handle}?si=share",
            f"yt:@{handle.lower()}",
        ]
    )
    assert ref.key == "@" + handle.lower()


@settings(deadline=None)
@given(st.text(st.characters(categories=["L", "Nd"]), min_size=3, max_size=30))
def test_youtube_handles_in_any_script_round_trip(handle):
    try:
        ref = registry.parse(f"https://www.youtube.com/@{handle}")
    except UnsupportedURL:
        return  # not a handle YouTube allows once lower-cased
    assert ref.platform == "youtube"
    assert registry.parse(ref.url) == ref
    assert registry.parse(f"yt:@{handle}") == ref


@settings(deadline=None)
@given(st.from_regex(r"UC[A-Za-z0-9_-]{22}", fullmatch=True))
def test_youtube_channel_id_forms(channel_id):
    same_page(
        [
            f"https://www.youtube.com/channel/{channel_id}",
            f"youtube.com/channel/{channel_id}/featured?view=0",
            f"yt:{channel_id}",
        ]
    )


@settings(deadline=None)
@given(st.from_regex(r"[A-Za-z0-9_]{1,15}", fullmatch=True))
def test_x_forms(username):
    assume(username.lower() not in x.RESERVED)
    same_page(
        [
            f"https://x.com/{username}",
            f"https://twitter.com/{username.upper()}?lang=ar",
            f"mobile.twitter.com/{username}/",
            f"x:@{username}",
            f"twitter:{username}",
        ]
    )


@settings(deadline=None)
@given(st.from_regex(r"[A-Za-z][A-Za-z0-9_]{4,31}", fullmatch=True))
def test_telegram_forms(username):
    assume(username.lower() not in telegram.RESERVED)
    same_page([f"https://t.me/{username}", f"t.me/s/{username}", f"tg:@{username}"])


LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,12}[a-z0-9])?", fullmatch=True)


@settings(deadline=None)
@given(LABEL)
def test_bluesky_forms(label):
    handle = f"{label}.bsky.social"
    same_page(
        [
            f"https://bsky.app/profile/{handle}",
            f"bsky.app/profile/{handle.upper()}/post/3k2",
            handle,
            f"@{handle}",
            f"bsky:{handle}",
        ]
    )


@settings(deadline=None)
@given(st.from_regex(r"[A-Za-z0-9_]{1,20}", fullmatch=True), LABEL)
def test_mastodon_forms(user, label):
    host = f"{label}.social"
    ref = same_page(
        [
            f"@{user}@{host}",
            f"https://{host}/@{user}",
            f"https://{host}/users/{user}",
            f"https://other.example/@{user}@{host.upper()}",
            f"mastodon:{user}@{host}",
        ]
    )
    assert ref.platform == "mastodon"


@settings(deadline=None)
@given(st.from_regex(r"[a-z0-9_]{1,30}", fullmatch=True))
def test_instagram_forms(username):
    assume(
        username
        not in ("p", "reel", "reels", "explore", "stories", "accounts", "direct", "tv", "about")
    )
    same_page(
        [
            f"https://www.instagram.com/{username}/",
            f"instagram.com/{username}?igsh=abc",
            f"ig:@{username}",
        ]
    )


@pytest.mark.parametrize(
    "text",
    [
        "https://www.facebook.com/groups/123",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://x.com/home",
        "https://example.org/",
        "hello world",
        "@someone",
        "https://x.com/@someone",
    ],
)
def test_things_that_are_not_pages_are_refused(text):
    with pytest.raises(UnsupportedURL):
        registry.parse(text)


def test_specific_platforms_come_before_generic_fallbacks():
    order = registry.platforms()
    assert order.index("mastodon") > order.index("youtube")
    assert order[-2:] == ["json", "web"]


@pytest.mark.parametrize("platform", registry.SOURCES)
def test_every_source_declares_its_batch_size_metrics_and_credentials(platform):
    cls = registry.source_class(platform)
    assert issubclass(cls, Source)
    assert cls.batch_size >= 1 and cls.metrics
    for credential in cls.credentials:
        assert credential.variable.isupper()


@pytest.mark.parametrize("text", ["https://[", "http://[::1", "https://x.com:port/user"])
def test_text_that_cannot_be_a_url_is_unsupported_not_a_crash(text):
    # Found by hypothesis: urlsplit raises ValueError on these.
    with pytest.raises(UnsupportedURL, match="is not a page address"):
        registry.parse(text)
