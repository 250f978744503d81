"""Stored secrets: encrypted at rest, readable after a key rotation, never shown in full."""

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from likewatch.organisers import encryption
from likewatch.organisers.models import PlatformCredential

TOKEN = "EAAB" + "x" * 40 + "9f3c"


def test_a_round_trip_and_a_different_ciphertext_each_time():
    first, second = encryption.encrypt(TOKEN), encryption.encrypt(TOKEN)
    assert first != second and TOKEN not in first
    assert encryption.decrypt(first) == TOKEN


def test_rotating_the_secret_key_keeps_old_secrets_readable(settings):
    old = encryption.encrypt(TOKEN)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-brand-new-secret-key-" + "n" * 40
    assert encryption.decrypt(old) == TOKEN
    rotated = encryption.reencrypt(old)
    settings.SECRET_KEY_FALLBACKS = []
    assert encryption.decrypt(rotated) == TOKEN
    with pytest.raises(encryption.UnreadableSecret):
        encryption.decrypt(old)


def test_dedicated_keys_take_over_from_the_secret_key(settings):
    settings.LIKEWATCH_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    sealed = encryption.encrypt(TOKEN)
    settings.LIKEWATCH_ENCRYPTION_KEYS = []
    with pytest.raises(encryption.UnreadableSecret):
        encryption.decrypt(sealed)


def test_a_malformed_key_is_a_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.LIKEWATCH_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured):
        encryption.encrypt(TOKEN)


@pytest.mark.django_db
def test_the_database_never_holds_the_token_in_clear():
    credential = PlatformCredential(platform="facebook")
    credential.token = TOKEN
    credential.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM organisers_platformcredential")
        row = " ".join(str(v) for v in cursor.fetchone())
    assert TOKEN not in row and "9f3c" in row
    assert PlatformCredential.objects.get().token == TOKEN
    assert credential.masked == "••••9f3c"


def test_short_secrets_are_masked_entirely():
    assert encryption.masked("abc123") == "••••"
    assert encryption.masked("tgram://123:ABCDEF/456") == "••••/456"
