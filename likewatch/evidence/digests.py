"""The daily signed digest: every page's latest sealed hash and its open head, signed.

A digest is canonical JSON (the form `tracking.chain` uses) listing, for each page, the seq
and hash of its newest *sealed* record and the current canonical state of its *open* span
(an open span has no hash yet: it keeps absorbing identical fetches until the next record
seals it). Signed with the site's Ed25519 key and published, it pins the history: a record
changed, removed or inserted later, even with every hash recomputed, no longer matches a
digest published before.

One digest per UTC day: `make()` is idempotent, so several pollers (and `likewatch digest`)
may all try; the first one stores it and the others find it.

Retired: the transparency log's checkpoints, signed every round, replace them, and they
commit to the pages of unpublished campaigns without naming them, where a digest names every
page's platform id. The digests signed before stay in the database and `likewatch verify`
still checks them; the site and the evidence bundles hand out only those naming no page but
public ones (`publishable`): the signature covers the exact bytes, so a digest cannot be
published with a page left out.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from likewatch import site
from likewatch.evidence import keys
from likewatch.evidence.models import Digest
from likewatch.tracking import chain
from likewatch.tracking.models import FetchFailure, Observation, Page

log = logging.getLogger("likewatch.evidence")
FORMAT = "likewatch-digest"
VERSION = 1


def head(page: Page) -> dict:
    """The page's entry in a digest."""
    # The page's newest record is always a row of the tail; the hash sealed before it is the
    # one it links to (the records before it may be packed into segments, without hashes).
    head_row = (
        Observation.objects.filter(page=page, seq=page.last_seq).first()
        or FetchFailure.objects.filter(page=page, seq=page.last_seq).first()
    )
    if head_row is None:
        sealed = (0, "")
    elif head_row.hash:
        sealed = (head_row.seq, head_row.hash)
    else:
        sealed = (head_row.seq - 1, head_row.prev_hash)
    entry = {
        "page": page.pk,
        "platform": page.platform,
        "platform_id": page.platform_id,
        "metric": page.metric,
        "sealed_seq": sealed[0],
        "sealed_hash": sealed[1],
        "head": None,
    }
    open_span = head_row if head_row is not None and not head_row.hash else None
    if open_span is not None:
        entry["head"] = {
            "prev_hash": open_span.prev_hash,
            "record": chain.observation_form(page.pk, open_span.seq, open_span.__dict__),
        }
    return entry


def build(day: date, now: datetime, key_id: str) -> dict:
    """The digest's content for `day`, as of `now`."""
    return {
        "type": FORMAT,
        "version": VERSION,
        "day": day.isoformat(),
        "created_at": chain.iso(now),
        "site": site.url(),
        "key_id": key_id,
        "pages": [head(page) for page in Page.objects.order_by("pk")],
    }


def make(day: date | None = None, now: datetime | None = None) -> tuple[Digest, bool]:
    """Today's digest (or `day`'s), made and signed unless it exists; (digest, created)."""
    now = now or timezone.now()
    day = day or now.date()
    existing = Digest.objects.filter(day=day).first()
    if existing is not None:
        return existing, False
    key_id = keys.key_id(keys.public_key())
    content = build(day, now, key_id)
    data = chain.canonical_bytes(content)
    try:
        with transaction.atomic():
            digest = Digest.objects.create(
                day=day,
                created_at=now,
                body=data.decode("utf-8"),
                signature=keys.sign(data),
                key_id=key_id,
                pages=len(content["pages"]),
            )
    except IntegrityError:  # another poller signed today's digest first
        return Digest.objects.get(day=day), False
    return digest, True


def content(digest: Digest) -> dict:
    return json.loads(digest.body)


def publishable(found: Iterable[Digest], shown: Iterable[int] = ()) -> list[Digest]:
    """The digests among `found` that name no page but those of public campaigns (or among
    the `shown` pages, those a bundle reveals anyway), in their order."""
    from likewatch.tracking.visibility import public_pages

    found = list(found)
    named = {digest.pk: {entry["page"] for entry in content(digest)["pages"]} for digest in found}
    every = set().union(*named.values()) if named else set()
    allowed = set(public_pages().filter(pk__in=every).values_list("pk", flat=True))
    allowed |= set(shown)
    return [digest for digest in found if named[digest.pk] <= allowed]


class Daily:
    """What a poller does once a day: prune expired raw answers.

    It no longer signs a digest: the transparency log's checkpoints, signed after every round,
    replace the daily digests (which named every page, public or not). The digests signed
    before stay checkable (`likewatch verify`), and `make()` remains for them.
    """

    def __init__(self) -> None:
        self.done_for: date | None = None
        self.warned = False

    def __call__(self, now: datetime | None = None) -> None:
        now = now or timezone.now()
        if self.done_for == now.date():
            return
        from likewatch.evidence import raw

        pruned = raw.prune(now)
        if pruned:
            log.info("pruned %d expired raw answer(s)", pruned)
        self.done_for = now.date()
