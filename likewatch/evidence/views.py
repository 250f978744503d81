"""The public evidence pages: how to verify, the public key, the signed digests, raw answers."""

from __future__ import annotations

from datetime import date

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from likewatch.api.public import get_page
from likewatch.evidence import keys, raw
from likewatch.evidence.models import Digest
from likewatch.tracking import records


def _key_info() -> dict:
    try:
        key = keys.public_key()
    except keys.KeyMissing:
        return {"key_id": None, "public_pem": None}
    return {"key_id": keys.key_id(key), "public_pem": keys.public_pem(key).decode("ascii")}


@require_safe
def index(request):
    """How a reader verifies a number, the site's key, and the latest digests."""
    context = {**_key_info(), "digests": Digest.objects.all()[:14]}
    return render(request, "evidence/index.html", context)


@require_safe
@cache_control(max_age=3600, public=True)
def public_key(request):
    info = _key_info()
    if info["public_pem"] is None:
        raise Http404("This site has no signing key yet.")
    response = HttpResponse(info["public_pem"], content_type="text/plain; charset=us-ascii")
    response["X-Key-Id"] = info["key_id"]
    return response


@require_safe
def digests(request):
    return render(
        request, "evidence/digests.html", {**_key_info(), "digests": Digest.objects.all()}
    )


def _digest(day: str) -> Digest:
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise Http404("No such day.") from None
    return get_object_or_404(Digest, day=parsed)


@require_safe
@cache_control(max_age=86400, public=True)
def digest_json(request, day: str):
    """The exact bytes that were signed."""
    digest = _digest(day)
    response = HttpResponse(digest.body.encode("utf-8"), content_type="application/json")
    response["X-Signature"] = digest.signature
    return response


@require_safe
@cache_control(max_age=86400, public=True)
def digest_signature(request, day: str):
    return HttpResponse(_digest(day).signature + "\n", content_type="text/plain; charset=us-ascii")


@require_safe
@cache_control(max_age=86400, public=True)
def raw_answer(request, page_id: int, seq: int):
    """The platform answer that produced record `seq` of a page, as received, while it is kept
    (LIKEWATCH_RAW_RETENTION_DAYS)."""
    page = get_page(page_id)  # only the pages of public campaigns
    record = next(iter(records.records(page, seq_from=seq, seq_to=seq)), None)
    body = raw.answer(page, seq, record.at) if record is not None else None
    if body is None:
        raise Http404("This answer is not kept (any more).")
    sha256 = raw.digest(body)
    response = HttpResponse(body, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{sha256}"'
    response["X-Content-SHA256"] = sha256
    return response
