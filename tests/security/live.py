"""A signed-in organiser's browser against the real server (pytest-django's live_server)."""

from __future__ import annotations

import re

import httpx
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from likewatch.organisers.models import Membership, Role
from likewatch.tracking.models import Campaign

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    """An httpx client holding an organiser's session; `post_form` sends the CSRF token."""

    def __init__(self, base_url: str, user=None) -> None:
        self.http = httpx.Client(base_url=base_url, follow_redirects=True, timeout=30)
        if user is not None:
            client = Client()
            client.force_login(user)
            self.http.cookies.set(
                settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
            )

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.http.get(path, **kwargs)

    def post_form(self, path: str, data: dict, form_path: str | None = None) -> httpx.Response:
        page = self.http.get(form_path or path)
        token = TOKEN.search(page.text)
        assert token, f"no CSRF token on {form_path or path} ({page.status_code})"
        return self.http.post(
            path,
            data={**data, "csrfmiddlewaretoken": token.group(1)},
            headers={"Referer": str(self.http.base_url) + (form_path or path)},
        )

    def close(self) -> None:
        self.http.close()


def organiser(campaign: Campaign, name: str = "olivia", role: str = Role.OWNER):
    user = get_user_model().objects.create_user(name, password=f"pw-{name}-2026-long")
    Membership.objects.create(campaign=campaign, user=user, role=role)
    return user
