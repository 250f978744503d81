"""The typed errors every source raises. The poller records each one as a failed fetch."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from likewatch.sources import platform_text


class SourceError(Exception):
    """A fetch that produced no value. `kind` is a tracking.models.FailureKind value."""

    kind = "transient"
    hint = ""

    def __init__(self, message: str, *, hint: str = "", raw: bytes | None = None) -> None:
        # Messages may quote the platform: keep control characters out of the database.
        message = platform_text.clean(message)
        super().__init__(message)
        self.message = message
        if hint:
            self.hint = hint
        self.raw = raw

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class RateLimited(SourceError):
    """The platform refused or asked us to slow down; try again at `retry_at`."""

    kind = "rate_limited"

    def __init__(self, message: str, *, retry_at: datetime | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.retry_at = retry_at


class AuthError(SourceError):
    """Token expired, invalid or missing a permission: the organiser must act."""

    kind = "auth"
    hint = str(_("Check the platform token in the configuration."))


class MissingCredentials(AuthError):
    kind = "missing_credentials"


class NotFound(SourceError):
    """The platform says the page does not exist (or no longer does)."""

    kind = "not_found"


class Transient(SourceError):
    """Network trouble, a timeout or a server error: try again later."""

    kind = "transient"


class InvalidAnswer(SourceError):
    """The platform answered, but not with a count we can trust (malformed, missing, zero)."""

    kind = "invalid"


class UnsupportedURL(ValueError):
    """No source recognises this URL or handle."""
