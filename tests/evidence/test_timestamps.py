"""RFC 3161 timestamps: asked of the configured authority, never at the checkpoint's cost.

Checked here: the request (a DER TimeStampReq over the checkpoint's text, posted as
application/timestamp-query), that an authority answering badly costs the timestamp and
nothing else, and, with `openssl ts -reply` acting as a real authority on loopback, that the
token kept verifies with the client library (rfc3161-client) against the authority's root.
"""

import hashlib
import shutil
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from likewatch.evidence import checkpoints, note
from likewatch.sources.base import Count
from likewatch.tracking import history
from likewatch.tracking.models import Page

from .conftest import minutes

pytestmark = pytest.mark.django_db


@pytest.fixture
def authority():
    """A stand-in on loopback that records requests and answers with garbage."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append((self.headers["Content-Type"], body))
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.end_headers()
            self.wfile.write(b"\x30\x03\x02\x01\x02")  # not a TimeStampResp

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/tsa", seen
    server.shutdown()


def test_a_checkpoint_is_sent_for_timestamping_and_a_bad_answer_costs_only_the_stamp(
    authority, settings, signing_key
):
    url, seen = authority
    settings.LIKEWATCH_TSA_URL = url
    settings.LIKEWATCH_OUTBOUND_ALLOW = ["127.0.0.1"]  # the operator allows its own TSA
    page = Page.objects.create(platform="facebook", platform_id="1", metric="likes")
    history.record_count(page, Count(10), minutes(0))
    checkpoint, created = checkpoints.make()
    assert created and checkpoint.timestamp_token is None
    ((content_type, body),) = seen
    assert content_type == "application/timestamp-query"
    text = note.parse(checkpoint.note).text.encode()
    assert hashlib.sha256(text).digest() in body  # the imprint: SHA-256 of the checkpoint
    assert body.startswith(b"\x30")  # a DER SEQUENCE: the TimeStampReq


def test_a_timestamp_authority_on_a_private_address_must_be_allowed(
    authority, settings, signing_key
):
    url, seen = authority
    settings.LIKEWATCH_TSA_URL = url
    settings.LIKEWATCH_OUTBOUND_ALLOW = []
    page = Page.objects.create(platform="facebook", platform_id="1", metric="likes")
    history.record_count(page, Count(10), minutes(0))
    checkpoint, created = checkpoints.make()
    assert created and seen == []  # refused before any request, and the checkpoint is made


# A real authority -------------------------------------------------------------------------
#
# `openssl ts -reply` is an RFC 3161 authority: signing with a TSA certificate made here
# (its own root, the critical timeStamping key usage RFC 3161 demands), it answers the
# checkpoint's request on loopback with a real token, which the client library checks.


def _certificate(subject, issuer, public_key, signing_key, *, ca: bool):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    return builder.sign(signing_key, hashes.SHA256())


@pytest.fixture
def real_authority(tmp_path):
    """`openssl ts -reply` behind a loopback HTTP server; yields (url, root, TSA cert)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no local timestamp authority")
    root_key = ec.generate_private_key(ec.SECP256R1())
    tsa_key = ec.generate_private_key(ec.SECP256R1())
    root = _certificate("Test root", "Test root", root_key.public_key(), root_key, ca=True)
    tsa = _certificate("Test TSA", "Test root", tsa_key.public_key(), root_key, ca=False)
    pem = serialization.Encoding.PEM
    (tmp_path / "tsa.crt").write_bytes(tsa.public_bytes(pem))
    (tmp_path / "tsa.key").write_bytes(
        tsa_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (tmp_path / "serial").write_text("01\n")
    (tmp_path / "ts.cnf").write_text(
        "[ tsa ]\ndefault_tsa = here\n[ here ]\n"
        f"dir = {tmp_path}\nserial = $dir/serial\ncrypto_device = builtin\n"
        "signer_cert = $dir/tsa.crt\nsigner_key = $dir/tsa.key\nsigner_digest = sha256\n"
        "default_policy = 1.3.6.1.4.1.4146.2.3\ndigests = sha256\naccuracy = secs:1\n"
        "ordering = no\ntsa_name = yes\ness_cert_id_alg = sha256\n"
    )

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            query = tmp_path / "query.tsq"
            query.write_bytes(self.rfile.read(int(self.headers["Content-Length"])))
            done = subprocess.run(
                ["openssl", "ts", "-reply", "-config", str(tmp_path / "ts.cnf")]
                + ["-queryfile", str(query), "-out", str(tmp_path / "reply.tsr")],
                capture_output=True,
                timeout=60,
            )
            self.send_response(200 if done.returncode == 0 else 500)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.end_headers()
            if done.returncode == 0:
                self.wfile.write((tmp_path / "reply.tsr").read_bytes())

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/tsa", root, tsa
    server.shutdown()


def _response(token: bytes) -> bytes:
    """The TimeStampResp a kept token came in: status granted (0), then the token (DER)."""
    body = b"\x30\x03\x02\x01\x00" + token
    return b"\x30" + _der_length(len(body)) + body


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    octets = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(octets)]) + octets


def test_a_real_authority_timestamps_the_checkpoint_and_its_token_verifies(
    real_authority, settings, signing_key
):
    import rfc3161_client

    url, root, tsa = real_authority
    settings.LIKEWATCH_TSA_URL = url
    settings.LIKEWATCH_OUTBOUND_ALLOW = ["127.0.0.1"]
    page = Page.objects.create(platform="facebook", platform_id="1", metric="likes")
    history.record_count(page, Count(10), minutes(0))
    checkpoint, created = checkpoints.make()
    checkpoint.refresh_from_db()
    token = bytes(checkpoint.timestamp_token or b"")
    assert created and token, "the authority's token was not kept"
    text = note.parse(checkpoint.note).text.encode()
    answer = rfc3161_client.decode_timestamp_response(_response(token))
    verifier = (
        rfc3161_client.VerifierBuilder().tsa_certificate(tsa).add_root_certificate(root).build()
    )
    assert verifier.verify_message(answer, text)
    assert answer.tst_info.message_imprint.message == hashlib.sha256(text).digest()
    # The token is over this checkpoint's text and nothing else.
    with pytest.raises(rfc3161_client.VerificationError):
        verifier.verify_message(answer, text.replace(b"\n", b"\n\n", 1))


# Checking a kept token offline (likewatch verify) ------------------------------------------


@pytest.fixture
def stamped(real_authority, settings, signing_key):
    """A checkpoint timestamped by the real authority: (its text, its token, root, TSA cert)."""
    url, root, tsa = real_authority
    settings.LIKEWATCH_TSA_URL = url
    settings.LIKEWATCH_OUTBOUND_ALLOW = ["127.0.0.1"]
    page = Page.objects.create(platform="facebook", platform_id="1", metric="likes")
    history.record_count(page, Count(10), minutes(0))
    checkpoint, _ = checkpoints.make()
    checkpoint.refresh_from_db()
    token = bytes(checkpoint.timestamp_token or b"")
    assert token, "the authority's token was not kept"
    return note.parse(checkpoint.note).text.encode(), token, root, tsa


def test_a_token_is_checked_offline_against_the_checkpoint_and_says_what_it_did_not(stamped):
    from likewatch.evidence import timestamps

    text, token, _, _ = stamped
    result = timestamps.check(token, text)
    assert "Test TSA" in result.authority
    assert any("message imprint" in c for c in result.checked)
    assert len(result.checked) == 1  # the imprint only: a signature needs the authority's root
    assert any("signature" in u for u in result.unchecked)
    assert abs(result.time - datetime.now(UTC)) < timedelta(hours=1)


def test_with_the_authoritys_root_the_chain_is_checked_too(stamped):
    from likewatch.evidence import timestamps

    text, token, root, tsa = stamped
    result = timestamps.check(token, text, [root, tsa])
    assert any("chains to the authority's root" in c for c in result.checked)
    assert result.unchecked == []


def test_a_token_over_other_bytes_or_from_another_authority_is_refused(stamped):
    from cryptography.hazmat.primitives.asymmetric import ec

    from likewatch.evidence import timestamps

    text, token, _, _ = stamped
    with pytest.raises(timestamps.TimestampProblem, match="other bytes"):
        timestamps.check(token, text.replace(b"\n", b"\n\n", 1))
    other_key = ec.generate_private_key(ec.SECP256R1())
    other = _certificate("Other root", "Other root", other_key.public_key(), other_key, ca=True)
    with pytest.raises(timestamps.TimestampProblem, match="does not verify"):
        timestamps.check(token, text, [other])
    with pytest.raises(timestamps.TimestampProblem, match="cannot be decoded"):
        timestamps.check(b"\x30\x03\x02\x01\x01", text)


def test_a_token_whose_signature_was_altered_is_refused(stamped):
    from likewatch.evidence import timestamps

    text, token, root, tsa = stamped
    # The signature is the token's last bytes (an ECDSA signature, DER): flip one of them.
    altered = token[:-3] + bytes([token[-3] ^ 0x01]) + token[-2:]
    assert timestamps.check(token, text, [root, tsa]).unchecked == []
    with pytest.raises(timestamps.TimestampProblem):
        timestamps.check(altered, text, [root, tsa])


@pytest.fixture
def stamped_public(stamped):
    """`stamped`, with its page on a public campaign (so proofs and bundles name it)."""
    from likewatch.tracking.models import Campaign, CampaignPage

    page = Page.objects.get()
    campaign = Campaign.objects.create(slug="c", title="C", starts_at=minutes(0), public=True)
    CampaignPage.objects.create(campaign=campaign, page=page)
    return (page, *stamped)


def _pem(tmp_path, *certs):
    from cryptography.hazmat.primitives import serialization

    path = tmp_path / "tsa.pem"
    path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs))
    return str(path)


def test_verify_checks_a_proofs_timestamp_and_says_what_it_did_not(stamped_public, tmp_path):
    import io
    import json

    from django.core.management import call_command

    from likewatch.evidence import proofs

    page, _, _, root, tsa = stamped_public
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(proofs.build(page, proofs.record_of(page), True)))
    out = io.StringIO()
    call_command("verify", str(path), stdout=out)
    said = out.getvalue()
    assert "checks out" in said
    assert "RFC 3161 timestamp" in said and "message imprint" in said
    assert "NOT checked: its signature" in said

    out = io.StringIO()
    call_command("verify", str(path), "--tsa-cert", _pem(tmp_path, root, tsa), stdout=out)
    said = out.getvalue()
    assert "chains to the authority's root" in said and "NOT checked" not in said


def test_verify_refuses_a_proof_whose_timestamp_is_of_another_checkpoint(stamped_public, tmp_path):
    import base64
    import json

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from likewatch.evidence import proofs

    page, _, _, _, _ = stamped_public
    data = proofs.build(page, proofs.record_of(page), True)
    history.record_count(page, Count(11), minutes(1))
    newer, _ = checkpoints.make()  # its own token, over other text
    newer.refresh_from_db()
    data["timestamp_token"] = base64.b64encode(bytes(newer.timestamp_token)).decode()
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match="does NOT check out"):
        call_command("verify", str(path))


def test_verify_checks_a_bundles_timestamp_with_the_authoritys_certificates(
    stamped_public, tmp_path
):
    import io

    from cryptography.hazmat.primitives.asymmetric import ec
    from django.core.management import call_command
    from django.core.management.base import CommandError

    _, _, _, root, tsa = stamped_public
    target = str(tmp_path / "b.zip")
    call_command("export", "--evidence", target, stdout=io.StringIO())
    out = io.StringIO()
    call_command("verify", target, "--tsa-cert", _pem(tmp_path, root, tsa), stdout=out)
    assert "chains to the authority's root" in out.getvalue()
    assert "checks out" in out.getvalue()

    other_key = ec.generate_private_key(ec.SECP256R1())
    other = _certificate("Other root", "Other root", other_key.public_key(), other_key, ca=True)
    out = io.StringIO()
    with pytest.raises(CommandError, match="does NOT check out"):
        call_command("verify", target, "--tsa-cert", _pem(tmp_path, other), stdout=out)
    assert "RFC 3161 timestamp" in out.getvalue()
