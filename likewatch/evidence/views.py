"""The public evidence pages: how to verify, the public key, the signed digests, raw answers."""

from __future__ import annotations

import base64
import json
import tempfile
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from likewatch.evidence import bundle, checkpoints, keys, log, proofs, raw, witness
from likewatch.evidence.digests import publishable
from likewatch.evidence.models import Checkpoint, Digest
from likewatch.tracking import records
from likewatch.tracking.models import Page
from likewatch.tracking.moments import in_utc
from likewatch.tracking.visibility import page_is_public


def _key_info() -> dict:
    try:
        key = keys.public_key()
    except keys.KeyMissing:
        return {"key_id": None, "public_pem": None}
    return {"key_id": keys.key_id(key), "public_pem": keys.public_pem(key).decode("ascii")}


@require_safe
def index(request):
    """How a reader verifies a number, the site's key, and the latest digests."""
    context = {**_key_info(), "digests": publishable(Digest.objects.all())[:14]}
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
    shown = publishable(Digest.objects.all())
    return render(request, "evidence/digests.html", {**_key_info(), "digests": shown})


def _digest(day: str) -> Digest:
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise Http404("No such day.") from None
    digest = get_object_or_404(Digest, day=parsed)
    if not publishable([digest]):
        # It names a page of an unpublished campaign: kept, checked by `likewatch verify`,
        # never published. The log's checkpoints cover that page without naming it.
        raise Http404("This digest names pages that are not public; checkpoints replace it.")
    return digest


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
    page = Page.objects.filter(pk=page_id).first()
    if page is None or not page_is_public(page):  # only the pages of public campaigns
        raise Http404("There is no such public page.")
    record = next(iter(records.records(page, seq_from=seq, seq_to=seq)), None)
    body = raw.answer(page, seq, record.at) if record is not None else None
    if body is None:
        raise Http404("This answer is not kept (any more).")
    sha256 = raw.digest(body)
    response = HttpResponse(body, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{sha256}"'
    response["X-Content-SHA256"] = sha256
    return response


# The transparency log: checkpoints, proofs, the witness ----------------------------------


def _text(body: str, status: int = 200, content_type: str = "text/plain; charset=utf-8"):
    return HttpResponse(body, status=status, content_type=content_type)


@require_safe
def checkpoints_page(request):
    """Every checkpoint kept, its cosignatures, and how to keep and check them."""
    rows = Checkpoint.objects.prefetch_related("cosignatures")[: checkpoints.LISTED]
    verifier = checkpoints.verifier()
    context = {
        "checkpoints": rows,
        "vkey": verifier.vkey if verifier else "",
        "origin": checkpoints.origin(),
        "uncovered": checkpoints.uncovered(),
    }
    return render(request, "evidence/checkpoints.html", context)


@require_safe
@cache_control(max_age=5, public=True)
def checkpoint_latest(request):
    """The newest checkpoint with its cosignatures, as a signed note (text/plain)."""
    newest = checkpoints.latest()
    if newest is None:
        raise Http404("No checkpoint has been signed yet.")
    return _text(checkpoints.full_note(newest))


@require_safe
@cache_control(max_age=3600, public=True)
def checkpoint_at(request, size: int):
    return _text(checkpoints.full_note(get_object_or_404(Checkpoint, size=size)))


@require_safe
@cache_control(max_age=3600, public=True)
def log_key(request):
    verifier = checkpoints.verifier()
    if verifier is None:
        raise Http404("No checkpoint has been signed yet.")
    return _text(verifier.vkey + "\n")


@require_safe
@cache_control(max_age=3600, public=True)
def consistency(request):
    """A consistency proof between two sizes: ?old=N&new=M, one base64 hash a line."""
    try:
        old, new = int(request.GET["old"]), int(request.GET["new"])
    except (KeyError, ValueError):
        return _text("give ?old=<size>&new=<size>\n", 400)
    size = log.state().size
    if not 0 <= old <= new <= size:
        return _text(f"sizes must satisfy 0 <= old <= new <= {size}\n", 400)
    proof = log.Tree(new).consistency(old)
    return _text("".join(base64.b64encode(p).decode() + "\n" for p in proof))


@require_safe
def checkpoints_json(request):
    data = checkpoints.listing()
    response = JsonResponse(data)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _proof(request, page_id: int, seq: int | None):
    page = get_object_or_404(Page, pk=page_id)
    public = page_is_public(page)
    if not public and not request.user.is_staff:
        raise Http404("No such page.")
    # A "+" of a time zone left unencoded arrives as a space.
    at = parse_datetime(request.GET.get("at", "").replace(" ", "+")) if seq is None else None
    # No zone, or before/after anything UTC holds: no moment. In UTC: PostgreSQL refuses
    # offsets past ±15:59.
    at = in_utc(at) if at is not None and at.tzinfo is not None else None
    record = proofs.record_of(page, seq, at)
    if record is None:
        raise Http404("No such record.")
    site = request.build_absolute_uri("/").rstrip("/")
    try:
        return page, record, proofs.build(page, record, reveal=public, site_url=site)
    except proofs.NotCovered as exc:
        return page, record, {"not_covered": str(exc)}


@require_safe
def proof_page(request, page_id: int, seq: int | None = None):
    page, record, data = _proof(request, page_id, seq)
    context = {"page": page, "record": record, "proof": data}
    if page_is_public(page):
        # The day around the number as a bundle anyone can check offline; the hour when the
        # day holds more records than the web builds on demand.
        start = in_utc(record.at).replace(hour=0, minute=0, second=0, microsecond=0)
        span = timedelta(days=1)
        if _records_in(page, start, start + span) > WEB_RECORDS:
            start, span = start.replace(hour=in_utc(record.at).hour), timedelta(hours=1)
            context["bundle_span"] = "hour"
        context["range_bundle"] = "?" + urlencode(
            {"from": start.isoformat(), "to": (start + span).isoformat()}
        )
    if "not_covered" not in data:
        context["json"] = json.dumps(data, indent=1, ensure_ascii=False)
        context["cosignatures"] = [
            line for line in data["checkpoint"].splitlines() if line.startswith("\u2014")
        ][1:]
    return _cacheable(render(request, "evidence/proof.html", context), page)


@require_safe
def proof_json(request, page_id: int, seq: int | None = None):
    page, _, data = _proof(request, page_id, seq)
    response = JsonResponse(data, status=404 if "not_covered" in data else 200)
    response["Access-Control-Allow-Origin"] = "*"
    return _cacheable(response, page) if "not_covered" not in data else response


# The longest range a visitor may ask a bundle of: a bundle is built on demand (leaves rebuilt,
# proofs computed), about a second for a day of a page changing every minute.
WEB_RANGE = timedelta(days=7)
# And at most this many records: each proven leaf's tile is rebuilt from the history (an
# inclusion path inside a tile needs its 256 leaves), a few tenths of a second each on a busy
# PostgreSQL. `likewatch export --evidence --since --until` has no limit.
WEB_RECORDS = 200


def _records_in(page, start, end) -> int:
    return sum(1 for _ in records.records(page, start=start, end=end))


@require_safe
def range_bundle(request, page_id: int):
    """A bundle of one time range of one public page (.zip; `likewatch verify` checks it)."""
    page = get_object_or_404(Page, pk=page_id)
    if not page_is_public(page):
        raise Http404("No such page.")  # a range bundle holds public records only
    # `from` and `to`, as the page history's ranges (and the micro-cache's key) name them.
    moments = {}
    for name in ("from", "to"):
        value = parse_datetime(request.GET.get(name, "").replace(" ", "+"))
        if value is None or value.tzinfo is None:
            return _text(f"give ?from=&to= as ISO 8601 times with a zone ({name})\n", 400)
        moments[name] = in_utc(value)
    if moments["to"] - moments["from"] > WEB_RANGE:
        return _text(f"a range of at most {WEB_RANGE.days} days\n", 400)
    found = _records_in(page, moments["from"], moments["to"])
    if found > WEB_RECORDS:
        return _text(
            f"{found} records in that range, at most {WEB_RECORDS} here: ask a shorter range, "
            "or the site's operator for `likewatch export --evidence --since --until`\n",
            400,
        )
    try:
        window = bundle.Window(moments["from"], moments["to"])
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bundle.zip"
            bundle.export(path, pages=[page], window=window)
            data = path.read_bytes()
    except bundle.BundleError as exc:
        return _text(f"{exc}\n", 400)
    except keys.KeyMissing:
        raise Http404("This site has no signing key yet.") from None
    response = HttpResponse(data, content_type="application/zip")
    stamp = f"{moments['from']:%Y%m%dT%H%M}-{moments['to']:%Y%m%dT%H%M}"
    response["Content-Disposition"] = f'attachment; filename="likewatch-{page.pk}-{stamp}.zip"'
    return _cacheable(response, page)


def _cacheable(response, page):
    # A proof costs a few hundred milliseconds (leaves rebuilt, hashes recomputed); a crowd
    # reading a public one shares one computation through the micro-cache. Never a private
    # page's (shown to staff only).
    if page_is_public(page):
        response["Cache-Control"] = "public, max-age=30"
    else:
        response["Cache-Control"] = "private, no-store"
    return response


@csrf_exempt
@require_POST
def witness_add_checkpoint(request):
    """C2SP tlog-witness add-checkpoint (see likewatch.evidence.witness)."""
    answer = witness.add_checkpoint(request.body)
    return _text(answer.body, answer.status, answer.content_type)


@require_safe
def witness_checkpoint(request, origin_hash: str):
    body = witness.latest_witnessed(origin_hash)
    if body is None:
        return _text("this witness has cosigned no checkpoint of that log\n", 404)
    return _text(body)
