"""System checks catch settings that disagree with each other, naming the variable to change."""

import os

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from django.core.checks import Error, Warning, run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from likewatch.configuration import checks
from likewatch.evidence import keys


def ids(messages) -> list[str]:
    return [m.id for m in messages]


def test_the_default_configuration_passes_every_check():
    assert [m for m in run_checks() if m.id.startswith("likewatch.")] == []


def test_redis_set_while_the_live_broker_stays_local_is_a_warning(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    settings.LIKEWATCH_LIVE_BROKER = checks.LOCAL_BROKER
    (warning,) = checks.live_broker()
    assert isinstance(warning, Warning) and warning.id == "likewatch.W001"
    assert "LIKEWATCH_LIVE_BROKER=likewatch.fanout.broker.PubSubBroker" in warning.hint
    settings.LIKEWATCH_LIVE_BROKER = checks.PUBSUB_BROKER
    assert checks.live_broker() == []


def test_a_live_broker_that_does_not_exist_is_an_error(settings):
    settings.LIKEWATCH_LIVE_BROKER = "likewatch.web.live.NoSuchBroker"
    assert ids(checks.live_broker()) == ["likewatch.E001"]


def test_site_url_must_be_an_absolute_address(settings):
    settings.SITE_URL = "likewatch.example.org"
    assert ids(checks.site_url()) == ["likewatch.E002"]
    settings.SITE_URL = ""  # unset: links take each request's address
    assert checks.site_url() == []


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000", "http://localhost:8000", "https://[::1]/", "http://0.0.0.0"]
)
def test_production_with_site_url_left_local_is_an_error(settings, url):
    settings.SITE_URL = url
    assert checks.site_url() == []  # fine on one's own machine
    settings.LIKEWATCH_PRODUCTION = True
    (error,) = checks.site_url()
    assert isinstance(error, Error) and error.id == "likewatch.E003"
    assert "SITE_URL" in error.hint


def test_production_over_plain_http_is_a_warning(settings):
    settings.LIKEWATCH_PRODUCTION = True
    settings.SITE_URL = "http://likewatch.example.org"
    assert ids(checks.site_url()) == ["likewatch.W002"]
    settings.SITE_URL = "https://likewatch.example.org"
    assert checks.site_url() == []


def test_an_unreadable_signing_key_is_an_error(settings, tmp_path):
    settings.LIKEWATCH_SIGNING_KEY = tmp_path / "signing-key.pem"
    assert checks.signing_key() == []  # not made yet: `likewatch init` makes it
    path, _ = keys.ensure_key()
    assert checks.signing_key() == []
    if os.geteuid() == 0:
        # root reads any file whatever its mode: a folder where the file should be cannot.
        path.unlink()
        path.mkdir()
    else:
        path.chmod(0)
    (error,) = checks.signing_key()
    assert error.id == "likewatch.E004" and "LIKEWATCH_SIGNING_KEY" in error.hint


def test_a_signing_key_that_is_not_an_ed25519_key_is_an_error(settings, tmp_path):
    settings.LIKEWATCH_SIGNING_KEY = path = tmp_path / "signing-key.pem"
    path.write_text("not a key")
    assert ids(checks.signing_key()) == ["likewatch.E005"]
    other = generate_private_key(SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.write_bytes(other)
    assert ids(checks.signing_key()) == ["likewatch.E005"]


def test_encryption_keys_must_be_fernet_keys(settings):
    settings.LIKEWATCH_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), "hunter2"]
    (error,) = checks.encryption_keys()
    assert error.id == "likewatch.E006" and "key 2" in error.msg
    assert "hunter2" not in error.msg  # a secret never lands in the output


def test_a_default_interval_below_the_minimum_is_an_error(settings):
    settings.LIKEWATCH_MIN_INTERVAL = 120
    settings.LIKEWATCH_DEFAULT_INTERVAL = 60
    assert ids(checks.intervals()) == ["likewatch.E008"]
    settings.LIKEWATCH_MIN_INTERVAL = 0
    assert ids(checks.intervals()) == ["likewatch.E007"]


def test_production_polling_faster_than_a_minute_is_a_warning(settings):
    settings.LIKEWATCH_MIN_INTERVAL = 1
    assert checks.intervals() == []
    settings.LIKEWATCH_PRODUCTION = True
    assert ids(checks.intervals()) == ["likewatch.W004"]


def test_an_unknown_facebook_fallback_is_an_error(settings):
    settings.LIKEWATCH_SOURCES = {
        **settings.LIKEWATCH_SOURCES,
        "facebook": {**settings.LIKEWATCH_SOURCES["facebook"], "fallback": "scrape"},
    }
    assert ids(checks.facebook_fallback()) == ["likewatch.E009"]


def test_card_fonts_nowhere_to_be_found_is_a_warning(settings, tmp_path):
    settings.LIKEWATCH_CARD_FONT_DIRS = [str(tmp_path / "nowhere")]
    assert ids(checks.card_fonts()) == ["likewatch.W005"]


def test_likewatch_check_stops_on_an_error(settings):
    settings.LIKEWATCH_LIVE_BROKER = "no.such.Broker"
    with pytest.raises(SystemCheckError, match="likewatch.E001"):
        call_command("check")
