"""Annotations and reviews as leaves of the transparency log.

An organiser's note on a campaign ("the operator announced new prices") and a verdict on an
event (confirmed, dismissed, and why) are published next to the numbers, so they are logged
too. They are few and may be edited, so they are kept verbatim (`LogDocument`) rather than
rebuilt: each version is a leaf, and a deleted annotation gets a leaf saying so. `catch_up()`
runs before every checkpoint and logs what changed since the last one, in a fixed number of
queries per kind.
"""

from __future__ import annotations

import hashlib

from likewatch.evidence import log
from likewatch.evidence.models import LogDocument
from likewatch.tracking import chain

ANNOTATION, REVIEW = "annotation", "review"


def annotation_body(annotation) -> bytes:
    return chain.canonical_bytes(
        {
            "type": ANNOTATION,
            "id": annotation.pk,
            "campaign": annotation.campaign_id,
            "at": chain.iso(annotation.at),
            "text": annotation.text,
            "created_at": chain.iso(annotation.created_at),
        }
    )


def review_body(event, page: str) -> bytes:
    return chain.canonical_bytes(
        {
            "type": REVIEW,
            "event": event.pk,
            "page": page,
            "kind": event.kind,
            "start": chain.iso(event.start),
            "end": chain.iso(event.end),
            "status": event.status,
            "note": event.note,
            "reviewed_at": chain.iso(event.reviewed_at),
        }
    )


def _logged() -> dict[str, dict[int, str]]:
    """The sha256 of the newest logged version of each annotation and review, by kind (one
    query for both: this runs before every checkpoint, after every round)."""
    newest: dict[str, dict[int, str]] = {ANNOTATION: {}, REVIEW: {}}
    rows = LogDocument.objects.filter(kind__in=list(newest)).order_by("leaf")
    for kind, object_id, sha in rows.values_list("kind", "object_id", "sha256"):
        newest[kind][object_id] = sha
    return newest


def catch_up() -> int:
    """Log every annotation and review that changed since it was last logged."""
    from likewatch.events.models import Event, Status
    from likewatch.organisers.models import Annotation

    appended = 0
    logged_now = _logged()
    logged = logged_now[ANNOTATION]
    present = set()
    for annotation in Annotation.objects.order_by("pk"):
        present.add(annotation.pk)
        body = annotation_body(annotation)
        if logged.get(annotation.pk) != hashlib.sha256(body).hexdigest():
            log.append_document(ANNOTATION, annotation.pk, body)
            appended += 1
    for object_id, sha in logged.items():
        if object_id in present:
            continue
        body = chain.canonical_bytes({"type": ANNOTATION, "id": object_id, "deleted": True})
        if sha != hashlib.sha256(body).hexdigest():
            log.append_document(ANNOTATION, object_id, body)
            appended += 1
    reviewed = logged_now[REVIEW]
    events = Event.objects.exclude(status=Status.OPEN) | Event.objects.filter(pk__in=reviewed)
    events = list(events.order_by("pk"))
    names = log.commitments({e.page_id for e in events}) if events else {}
    for event in events:
        body = review_body(event, names[event.page_id])
        if reviewed.get(event.pk) != hashlib.sha256(body).hexdigest():
            log.append_document(REVIEW, event.pk, body)
            appended += 1
    return appended
