"""Re-encrypting every stored secret with the newest key, after a key was added in front.

Rotation: put the new key first (LIKEWATCH_ENCRYPTION_KEYS) or move the old SECRET_KEY to
SECRET_KEY_FALLBACKS, run `likewatch secrets rotate`, then remove the old key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from likewatch.alerts.models import AlertSettings
from likewatch.organisers.encryption import UnreadableSecret, reencrypt
from likewatch.organisers.models import PlatformCredential


@dataclass
class Report:
    rotated: int = 0
    unreadable: list[str] = field(default_factory=list)


def _stored():
    """(description, row, field name) for every encrypted value in the database."""
    for credential in PlatformCredential.objects.all():
        yield f"the {credential.platform} platform token", credential, "ciphertext"
    for config in AlertSettings.objects.exclude(urls_ciphertext="").select_related("campaign"):
        yield f"the alert addresses of {config.campaign.slug}", config, "urls_ciphertext"


def rotate() -> Report:
    """Re-encrypt what every configured key can read; name what none can."""
    report = Report()
    with transaction.atomic():
        for what, row, name in _stored():
            try:
                setattr(row, name, reencrypt(getattr(row, name)))
            except UnreadableSecret:
                report.unreadable.append(what)
                continue
            row.save(update_fields=[name])
            report.rotated += 1
    return report
