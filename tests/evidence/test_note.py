"""C2SP signed notes, checkpoints and cosignatures, against the Go implementation's vectors."""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from likewatch.evidence import note

# golang.org/x/mod/sumdb/note's example key and signed note.
GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n— PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
# A cosigner (type 4) verifier key from transparency-dev/formats' tests.
COSIGNER_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"


def go_signer() -> note.Signer:
    seed = base64.b64decode(GO_SIGNER.split("+", 4)[4])[1:]
    return note.Signer("PeterNeumann", note.ED25519, Ed25519PrivateKey.from_private_bytes(seed))


def test_signing_reproduces_the_go_note_byte_for_byte():
    signer = go_signer()
    assert signer.verifier.vkey == GO_VKEY
    assert str(note.Note(GO_TEXT, [note.sign(GO_TEXT, signer)])) == GO_NOTE


def test_the_go_note_verifies_and_a_changed_one_does_not():
    verifier = note.Verifier.parse(GO_VKEY)
    assert note.parse(GO_NOTE).verified_by(verifier)
    with pytest.raises(note.NoteError):
        note.parse(GO_NOTE.replace("cryptography", "cryptographY")).verified_by(verifier)


def test_a_verifier_key_whose_base64_holds_a_plus_parses():
    # transparency-dev/formats' test key: the base64 part contains a '+'.
    verifier = note.Verifier.parse("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6")
    assert (verifier.name, verifier.id.hex()) == ("TEST", "7997405c")


def test_a_cosigner_key_of_the_reference_implementation_parses_with_its_id():
    verifier = note.Verifier.parse(COSIGNER_VKEY)
    assert verifier.kind == note.COSIGNATURE_V1
    with pytest.raises(note.NoteError, match="does not match"):
        note.Verifier.parse(COSIGNER_VKEY.replace("da77ade7", "da77ade8"))


def test_a_checkpoint_round_trips_and_a_cosignature_verifies():
    log = note.Signer("example.com/log", note.ED25519, Ed25519PrivateKey.generate())
    witness = note.Signer("w.example/w1", note.COSIGNATURE_V1, Ed25519PrivateKey.generate())
    checkpoint = note.Checkpoint("example.com/log", 20852163, bytes(range(32)))
    text = checkpoint.text
    assert text == "example.com/log\n20852163\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
    signed = note.Note(text, [note.sign(text, log), note.cosign(text, witness, 1679315147)])
    opened, parsed = note.open_checkpoint(str(signed), log.verifier)
    assert opened == checkpoint
    (cosig,) = parsed.verified_by(witness.verifier)
    assert cosig.timestamp == 1679315147
    # The cosignature signs the time: moving it breaks the signature.
    forged = note.Signature(
        cosig.name, cosig.id, (1679315148).to_bytes(8, "big") + cosig.payload[8:]
    )
    with pytest.raises(note.NoteError):
        note.Note(text, [forged]).verified_by(witness.verifier)


@pytest.mark.parametrize(
    "text",
    ["example.com/log\n12\n", "example.com/log\n012\nAAAA\n", "o\n1\nnot base64!\n"],
)
def test_malformed_checkpoints_are_refused(text):
    with pytest.raises(note.NoteError):
        note.Checkpoint.parse_text(text)
