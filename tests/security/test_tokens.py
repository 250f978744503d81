"""API tokens end with the password they were made under."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from likewatch.organisers.models import ApiToken, AuditEntry
from likewatch.organisers.views.tokens import issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def olivia():
    return get_user_model().objects.create_user("olivia", "o@example.org", "old-password-2026-x")


def works(client, token: str) -> bool:
    answer = client.post(
        "/api/manage/campaigns",
        {"title": "Probe"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    return answer.status_code != 401


def test_a_password_reset_revokes_the_tokens_and_says_which(client, olivia):
    _row, token = issue(olivia, "newsroom script")
    assert works(client, token)
    uid = urlsafe_base64_encode(force_bytes(olivia.pk))
    reset = default_token_generator.make_token(olivia)
    form = client.get(f"/accounts/reset/{uid}/{reset}/", follow=True)
    answer = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "new-password-2026-y", "new_password2": "new-password-2026-y"},
        follow=True,
    )
    assert answer.status_code == 200
    assert "newsroom script" in answer.content.decode()
    assert not works(client, token)
    assert ApiToken.objects.get().revoked_at is not None
    assert AuditEntry.objects.filter(action="token.revoke").exists()


def test_a_password_change_revokes_them_too(client, olivia):
    _row, token = issue(olivia, "bot")
    client.force_login(olivia)
    client.post(
        "/accounts/password/",
        {
            "old_password": "old-password-2026-x",
            "new_password1": "new-password-2026-y",
            "new_password2": "new-password-2026-y",
        },
    )
    client.logout()
    assert not works(client, token)
