"""Which source handles which platform, and which source recognises a pasted URL or handle."""

from __future__ import annotations

from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from likewatch.sources.base import PageRef, Source
from likewatch.sources.errors import UnsupportedURL

# platform -> dotted path of its Source class. Order matters for `parse`: the first source
# that recognises a text wins, so specific platforms come before generic fallbacks.
SOURCES: dict[str, str] = {
    "facebook": "likewatch.sources.facebook.FacebookSource",
    "instagram": "likewatch.sources.instagram.InstagramSource",
    "youtube": "likewatch.sources.youtube.YouTubeSource",
    "x": "likewatch.sources.x.XSource",
    "telegram": "likewatch.sources.telegram.TelegramSource",
    "bluesky": "likewatch.sources.bluesky.BlueskySource",
    # Mastodon accepts https://ANY-HOST/@user: after every platform with fixed hosts.
    "mastodon": "likewatch.sources.mastodon.MastodonSource",
    # Generic fallbacks, recognised only by their explicit prefixes (json:, web:, web+js:).
    "json": "likewatch.sources.jsonapi.JSONSource",
    "web": "likewatch.sources.webpage.WebPageSource",
}


def platforms() -> list[str]:
    """Every platform likewatch has a source for, in the order `parse` tries them."""
    return list(SOURCES)


def source_class(platform: str) -> type[Source]:
    try:
        return import_string(SOURCES[platform])
    except KeyError:
        raise UnsupportedURL(f"likewatch has no source for the platform {platform!r}.") from None


def make_source(platform: str, config: dict | None = None) -> Source:
    """A new source instance for `platform`, with `config` (default: from the settings).

    Callers that know of stored credentials pass them in `config`
    (likewatch.organisers.credentials.source_config): sources never look for them.
    """
    return source_class(platform)(config)


def parse(text: str) -> PageRef:
    """The page a URL or handle names. Raises UnsupportedURL with a sentence a user can act on."""
    for platform in SOURCES:
        ref = source_class(platform).parse(_parser(platform), text)
        if ref is not None:
            return ref
    raise UnsupportedURL(
        _(
            "%(text)s is not a page address likewatch recognises: paste the page's address, "
            "or a handle with its platform prefix (yt:@name, x:@name, ig:name, tg:@channel, "
            "bsky:name.bsky.social, @user@instance, fb:name), or json:URL EXPRESSION / "
            "web:URL SELECTOR."
        )
        % {"text": repr(text.strip()[:200])}
    )


_parsers: dict[str, Source] = {}


def _parser(platform: str) -> Source:
    # Parsing needs no client or credentials; build one instance per platform lazily.
    if platform not in _parsers:
        cls = source_class(platform)
        _parsers[platform] = cls.__new__(cls)
    return _parsers[platform]
