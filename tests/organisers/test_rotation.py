"""Key rotation: every stored secret re-encrypted with the newest key, the unreadable named."""

import pytest
from django.utils import timezone

from likewatch.alerts.models import AlertSettings
from likewatch.organisers import rotation
from likewatch.organisers.models import PlatformCredential
from likewatch.tracking.models import Campaign

OLD_KEY = "the-old-secret-key-" + "o" * 40
NEW_KEY = "the-new-secret-key-" + "n" * 40


@pytest.fixture
def stored(db, settings):
    settings.SECRET_KEY = OLD_KEY
    credential = PlatformCredential(platform="facebook")
    credential.token = "EAAGrotate" + "R" * 30
    credential.save()
    campaign = Campaign.objects.create(slug="c", title="C", starts_at=timezone.now())
    config = AlertSettings(campaign=campaign)
    config.urls = ["json://127.0.0.1:9/hook"]
    config.save()
    return credential, config


def test_rotation_moves_every_secret_to_the_new_key(stored, settings):
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [OLD_KEY]
    report = rotation.rotate()
    assert report.rotated == 2 and report.unreadable == []
    settings.SECRET_KEY_FALLBACKS = []  # the old key is gone
    assert PlatformCredential.objects.get().token == "EAAGrotate" + "R" * 30
    assert AlertSettings.objects.get().urls == ["json://127.0.0.1:9/hook"]


def test_secrets_no_key_can_read_are_named_and_left_alone(stored, settings):
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, []
    before = PlatformCredential.objects.get().ciphertext
    report = rotation.rotate()
    assert report.rotated == 0
    assert report.unreadable == ["the facebook platform token", "the alert addresses of c"]
    assert PlatformCredential.objects.get().ciphertext == before
