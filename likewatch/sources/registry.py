"""Which source handles which platform, and which source recognises a pasted URL or handle."""

from __future__ import annotations

from django.utils.module_loading import import_string

from likewatch.sources.base import PageRef, Source
from likewatch.sources.errors import UnsupportedURL

# platform -> dotted path of its Source class. Order matters for `parse`: the first source
# that recognises a text wins, so specific platforms come before generic fallbacks.
SOURCES: dict[str, str] = {
    "facebook": "likewatch.sources.facebook.FacebookSource",
}


def platforms() -> list[str]:
    return list(SOURCES)


def source_class(platform: str) -> type[Source]:
    try:
        return import_string(SOURCES[platform])
    except KeyError:
        raise UnsupportedURL(f"likewatch has no source for the platform {platform!r}.") from None


def make_source(platform: str) -> Source:
    """A new source instance for `platform`, configured from the settings."""
    return source_class(platform)()


def parse(text: str) -> PageRef:
    """The page a URL or handle names. Raises UnsupportedURL with a sentence a user can act on."""
    for platform in SOURCES:
        ref = source_class(platform).parse(_parser(platform), text)
        if ref is not None:
            return ref
    raise UnsupportedURL(
        f"{text.strip()!r} is not a page address likewatch recognises "
        f"(supported: {', '.join(SOURCES)})."
    )


_parsers: dict[str, Source] = {}


def _parser(platform: str) -> Source:
    # Parsing needs no client or credentials; build one instance per platform lazily.
    if platform not in _parsers:
        cls = source_class(platform)
        _parsers[platform] = cls.__new__(cls)
    return _parsers[platform]
