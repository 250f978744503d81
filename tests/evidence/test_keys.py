"""The signing key: made once, private to its owner, its public half published."""

import stat

from likewatch.evidence import keys


def test_the_key_is_made_once_and_readable_by_its_owner_only(settings, tmp_path):
    settings.LIKEWATCH_SIGNING_KEY = tmp_path / "var" / "signing-key.pem"

    path, created = keys.ensure_key()
    again, created_again = keys.ensure_key()

    assert (created, created_again) == (True, False)
    assert path == again == settings.LIKEWATCH_SIGNING_KEY
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")


def test_a_signature_checks_with_the_public_key_only_for_the_same_bytes(signing_key):
    signature = keys.sign(b"digest")
    public = keys.load_public_pem(keys.public_pem())

    assert keys.is_valid(public, b"digest", signature)
    assert not keys.is_valid(public, b"digest!", signature)
    assert not keys.is_valid(public, b"digest", "not base64 at all")
    assert len(keys.key_id(public)) == 16


def test_without_a_key_signing_says_to_run_init(settings, tmp_path):
    settings.LIKEWATCH_SIGNING_KEY = tmp_path / "missing.pem"
    try:
        keys.sign(b"x")
    except keys.KeyMissing as exc:
        assert "likewatch init" in str(exc)
    else:
        raise AssertionError("signed without a key")
