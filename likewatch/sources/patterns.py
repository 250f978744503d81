"""Editors' regular expressions, run on RE2 (google-re2) so that none can stall a process.

Python's `re` backtracks: `(a+)+$` on forty letters takes minutes, and a pattern an editor
types runs inside the web request that adds the page and on every fetch after. RE2 runs in time
linear in the text and refuses the features that need backtracking (backreferences,
look-arounds); such a pattern is refused with RE2's reason instead of being run.
"""

from __future__ import annotations

import re2

# RE2 compiles into a bounded amount of memory; a pattern that needs more is refused.
MAX_MEMORY = 8 * 2**20


class PatternError(ValueError):
    """A pattern RE2 cannot run, with the reason in words."""


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = MAX_MEMORY
    return options


def compile_pattern(pattern: str):
    """The compiled pattern, or PatternError saying why RE2 refuses it."""
    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "invalid pattern"
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(str(reason)) from None
