"""A logging filter that blanks secrets a message might carry by accident.

Tokens are kept out of messages on purpose (sources log public URLs only); this filter is the
second line: access tokens in URLs, bearer headers and likewatch API tokens become "[redacted]".
"""

from __future__ import annotations

import logging
import re

PATTERNS = [
    re.compile(r"(?i)((?:access_token|token|key|secret|password)=)[^&\s'\"]+"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"()\blw_[A-Za-z0-9_-]{20,}"),
]


def redact(text: str) -> str:
    """`text` with every recognisable secret replaced by [redacted]."""
    for pattern in PATTERNS:
        text = pattern.sub(r"\1[redacted]", text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrite each record's message (with its arguments applied) through `redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # Format the traceback now so that the redacted text is what handlers print.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
