"""Waiting for a condition with a deadline: what tests do instead of sleeping a fixed time.

A busy two-core machine may take many times longer than a quiet one to start a server or
finish a round; a fixed sleep then fails (or, worse, passes without testing anything). Tests
wait until the thing they need is true, up to a generous deadline, and say what they waited
for when it never came.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class NeverReady(AssertionError):
    """A condition a test waited for did not come true before its deadline."""


def wait_until(
    condition: Callable[[], T],
    *,
    what: str,
    seconds: float = 120.0,
    every: float = 0.1,
    detail: Callable[[], object] | None = None,
) -> T:
    """Call `condition` until it returns something true, and return that.

    Fails with "waited N s for WHAT" (and `detail()`, e.g. the last answers seen) once
    `seconds` have passed.
    """
    deadline = time.monotonic() + seconds
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            extra = f"; {detail()}" if detail is not None else ""
            raise NeverReady(f"waited {seconds:g} s for {what}{extra}")
        time.sleep(every)
