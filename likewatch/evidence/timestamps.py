"""RFC 3161 timestamps of checkpoints, when a timestamp authority is configured.

A checkpoint says what the log held, not when; a witness's cosignature adds a time signed by
the witness. A timestamp authority (LIKEWATCH_TSA_URL) adds one signed by a third party that
readers may already trust. The request hashes the checkpoint's note text (SHA-256) with a
nonce, through the maintained `rfc3161-client` package; the token (DER) is kept with the
checkpoint and served with it. A TSA that is down or answers badly costs the timestamp,
never the checkpoint.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

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


# Checking a token offline ------------------------------------------------------------------


class TimestampProblem(ValueError):
    """A timestamp token that does not hold: not decodable, over other bytes, or badly signed."""


@dataclass
class TokenCheck:
    """What an offline check of a token established, and what it left unchecked."""

    time: datetime
    authority: str
    checked: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)


def response_of(token: bytes) -> bytes:
    """The TimeStampResp a kept token (a DER ContentInfo) came in: status granted, the token.
    The client library checks responses, and the token is what is kept and published."""
    body = b"\x30\x03\x02\x01\x00" + token
    return b"\x30" + _der_length(len(body)) + body


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    octets = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(octets)]) + octets


def check(token: bytes, text: bytes, authority: list | None = None) -> TokenCheck:
    """Check an RFC 3161 `token` over `text` (a checkpoint's text) offline.

    Always: that it decodes, and that its message imprint is the SHA-256 of `text`. With
    `authority` (the timestamp authority's certificates: its root, any intermediates, its
    own), also its signature and the chain from the signing certificate to that root, with
    RFC 3161's rules (a critical timeStamping key usage), by the client library; without
    them the signature is left unchecked and `unchecked` says so. TimestampProblem says what
    does not hold.
    """
    import rfc3161_client
    from cryptography import x509

    try:
        answer = rfc3161_client.decode_timestamp_response(response_of(token))
        info = answer.tst_info
    except (ValueError, rfc3161_client.VerificationError) as exc:
        raise TimestampProblem(f"the timestamp token cannot be decoded: {exc}") from None
    imprint = info.message_imprint
    if imprint.hash_algorithm.dotted_string != SHA256_OID:
        raise TimestampProblem(
            f"the timestamp token hashes with {imprint.hash_algorithm.dotted_string}, not "
            "SHA-256 as likewatch asks"
        )
    if imprint.message != hashlib.sha256(text).digest():
        raise TimestampProblem("the timestamp token is over other bytes than this checkpoint")
    carried = [x509.load_der_x509_certificate(c) for c in answer.signed_data.certificates]
    result = TokenCheck(
        time=info.gen_time,
        authority=_name(carried[0]) if carried else "",
        checked=["the token's message imprint is the SHA-256 of the checkpoint's text"],
    )
    roots = [c for c in authority or [] if c.issuer == c.subject]
    if authority:
        if not roots:
            raise TimestampProblem("the authority's certificates hold no root (self-signed)")
        builder = rfc3161_client.VerifierBuilder()
        for cert in authority:
            if cert in roots:
                builder = builder.add_root_certificate(cert)
            elif _stamps(cert):
                builder = builder.tsa_certificate(cert)
            else:
                builder = builder.add_intermediate_certificate(cert)
        try:
            builder.build().verify_message(answer, text)
        except rfc3161_client.VerificationError as exc:
            raise TimestampProblem(
                f"the timestamp token's signature or chain does not verify with the "
                f"authority's certificates given: {exc}"
            ) from None
        result.checked.append(
            "its signature, by a certificate that chains to the authority's root given "
            f"({', '.join(_name(r) for r in roots)})"
        )
        return result
    # The client library checks a signature only along a chain to a trusted root: without
    # the authority's certificates, anyone could have made a token that decodes.
    result.unchecked.append(
        "its signature and who made it: give the timestamp authority's certificates "
        "(its root, and its own) to check them"
    )
    return result


SHA256_OID = "2.16.840.1.101.3.4.2.1"


def _stamps(cert) -> bool:
    from cryptography import x509

    try:
        usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return x509.ExtendedKeyUsageOID.TIME_STAMPING in usage


def _name(cert) -> str:
    return cert.subject.rfc4514_string()


def findings(token: bytes, text: bytes, authority: list | None = None) -> tuple[list[str], str]:
    """A token's check said for a reader (`likewatch verify`): (notes, problem or "")."""
    try:
        result = check(token, text, authority)
    except TimestampProblem as exc:
        return [], f"the checkpoint's RFC 3161 timestamp: {exc}"
    by = result.authority or "an authority the token does not name"
    notes = [
        f"the checkpoint's RFC 3161 timestamp ({result.time:%Y-%m-%d %H:%M:%S} UTC, by {by}): "
        f"checked {'; '.join(result.checked)}"
    ]
    notes += [f"the checkpoint's RFC 3161 timestamp: NOT checked: {u}" for u in result.unchecked]
    return notes, ""
