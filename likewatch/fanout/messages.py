"""The message format: one line `page_id:state` per page, several pages per message.

`state` is the page's live state (`page_state`), so a listener can tell a page moved without
a query.
PostgreSQL caps a NOTIFY payload at 8,000 bytes; `pack` splits larger batches.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_PAYLOAD = 7900


def page_state(last_seq: int, last_success_at, flags_changed_at=None) -> str:
    """A page's live state: a new record moves `last_seq`; a repeated value (which only
    extends the open span) moves `last_success_at`, and the board's "last measured" with it;
    an event reviewed, or a flagged gain or drop stored, moves `flags_changed_at`
    (likewatch.events.publish.shown_changed), and what the board lists and keeps apart with it."""
    stamp = int(last_success_at.timestamp()) if last_success_at else 0
    state = f"{last_seq}-{stamp}"
    if flags_changed_at is not None:
        # Microseconds: a flag and its review can fall in the same second.
        state += f"-{int(flags_changed_at.timestamp() * 1_000_000)}"
    return state


def pack(changes: dict[int, str]) -> Iterable[str]:
    """Payloads of at most MAX_PAYLOAD bytes carrying every change."""
    lines: list[str] = []
    size = 0
    for page_id, state in changes.items():
        line = f"{page_id}:{state}"
        if lines and size + len(line) + 1 > MAX_PAYLOAD:
            yield "\n".join(lines)
            lines, size = [], 0
        lines.append(line)
        size += len(line) + 1
    if lines:
        yield "\n".join(lines)


def unpack(payload: str) -> dict[int, str]:
    """The changes in a payload; malformed lines (another sender on the channel) are skipped."""
    changes: dict[int, str] = {}
    for line in payload.splitlines():
        page_id, _, state = line.partition(":")
        if page_id.isdigit() and state:
            changes[int(page_id)] = state
    return changes
