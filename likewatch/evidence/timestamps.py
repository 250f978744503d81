"""RFC 3161 timestamps of checkpoints, when a timestamp authority is configured.

A checkpoint says what the log held, not when; a witness's cosignature adds a time signed by
the witness. A timestamp authority (LIKEWATCH_TSA_URL) adds one signed by a third party that
readers may already trust. The request hashes the checkpoint's note text (SHA-256) with a
nonce, through the maintained `rfc3161-client` package; the token (DER) is kept with the
checkpoint and served with it. A TSA that is down or answers badly costs the timestamp,
never the checkpoint.
"""

from __future__ import annotations

import logging

import httpx
from django.conf import settings

from likewatch.evidence import note
from likewatch.evidence.models import Checkpoint
from likewatch.security import outbound

logger = logging.getLogger("likewatch.evidence")
TIMEOUT = 5.0


def stamp(checkpoint: Checkpoint, client: httpx.Client | None = None) -> bytes | None:
    """Ask the configured TSA to timestamp `checkpoint`; the token kept, or None."""
    if not settings.LIKEWATCH_TSA_URL:
        return None
    import rfc3161_client

    text = note.parse(checkpoint.note).text.encode()
    request = (
        rfc3161_client.TimestampRequestBuilder()
        .data(text)
        .hash_algorithm(rfc3161_client.HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .build()
    )
    own = client or httpx.Client(timeout=TIMEOUT, follow_redirects=False)
    try:
        outbound.check_url(settings.LIKEWATCH_TSA_URL)  # a private TSA must be allowed
        response = own.post(
            settings.LIKEWATCH_TSA_URL,
            content=request.as_bytes(),
            headers={"Content-Type": "application/timestamp-query"},
        )
        response.raise_for_status()
        answer = rfc3161_client.decode_timestamp_response(response.content)
        if answer.status != rfc3161_client.PKIStatus.GRANTED:
            raise ValueError(f"the TSA refused: {answer.status_string}")
        if answer.tst_info.nonce != request.nonce:
            raise ValueError("the TSA answered another request (nonce differs)")
        if answer.tst_info.message_imprint.message != request.message_imprint.message:
            raise ValueError("the TSA timestamped other bytes")
        token = answer.time_stamp_token()
    except (httpx.HTTPError, outbound.OutboundError, ValueError) as exc:
        logger.warning("no RFC 3161 timestamp for checkpoint %d: %s", checkpoint.size, exc)
        return None
    finally:
        if client is None:
            own.close()
    Checkpoint.objects.filter(pk=checkpoint.pk).update(timestamp_token=token)
    return token
