"""The daily signed digest: every page's latest sealed hash and its open head, signed.

A digest is canonical JSON (the form `tracking.chain` uses) listing, for each page, the seq
and hash of its newest *sealed* record and the current canonical state of its *open* span
(an open span has no hash yet: it keeps absorbing identical fetches until the next record
seals it). Signed with the site's Ed25519 key and published, it pins the history: a record
changed, removed or inserted later, even with every hash recomputed, no longer matches a
digest published before.

One digest per UTC day: `make()` is idempotent, so several pollers (and `likewatch digest`)
may all try; the first one stores it and the others find it.
"""

from __future__ import annotations

import json
import logging
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
    sealed_obs = (
        Observation.objects.filter(page=page)
        .exclude(hash="")
        .order_by("-seq")
        .values_list("seq", "hash")
        .first()
    )
    sealed_fail = (
        FetchFailure.objects.filter(page=page).order_by("-seq").values_list("seq", "hash").first()
    )
    sealed = max((s for s in (sealed_obs, sealed_fail) if s), default=(0, ""))
    entry = {
        "page": page.pk,
        "platform": page.platform,
        "platform_id": page.platform_id,
        "metric": page.metric,
        "sealed_seq": sealed[0],
        "sealed_hash": sealed[1],
        "head": None,
    }
    open_span = Observation.objects.filter(page=page, hash="").order_by("-seq").first()
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
