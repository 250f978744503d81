"""Guessing passwords and tokens, against the real server on loopback.

Every way in is throttled (the organisers' sign-in, the admin's, API tokens), per user name and
per client; the client is the connection unless it comes through a proxy the operator declared.
"""

from __future__ import annotations

import httpx
import pytest
from django.contrib.auth import get_user_model

from .live import TOKEN

pytestmark = pytest.mark.django_db(transaction=True)
LIMIT = 3


@pytest.fixture(autouse=True)
def few_failures(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    # The older per-address limit on the sign-in form must not be what stops these tests.
    settings.LIKEWATCH_RATE_LIMITS = {**settings.LIKEWATCH_RATE_LIMITS, "login": "1000/m"}
    return settings


@pytest.fixture
def olivia(db):
    return get_user_model().objects.create_user(
        "olivia", password="the-right-password-2026", is_staff=True, is_superuser=True
    )


def sign_in(base: str, path: str, username: str, password: str, client: str | None = None):
    headers = {"X-Forwarded-For": client} if client else {}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        page = http.get(path)
        token = TOKEN.search(page.text).group(1)
        return http.post(
            path,
            data={"username": username, "password": password, "csrfmiddlewaretoken": token},
            headers={"Referer": base + path},
        )


@pytest.mark.parametrize("path", ["/admin/login/", "/accounts/login/"])
def test_guessing_a_password_locks_the_guesser_out_even_with_the_right_one(
    live_server, olivia, path
):
    for _ in range(LIMIT - 1):
        assert sign_in(live_server.url, path, "olivia", "wrong").status_code == 200
    # The attempt that reaches the limit is refused already.
    assert sign_in(live_server.url, path, "olivia", "wrong").status_code == 429
    locked = sign_in(live_server.url, path, "olivia", "the-right-password-2026")
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.text
    assert "sessionid" not in locked.cookies


def test_a_forged_forwarded_header_does_not_make_a_new_client(live_server, olivia):
    """Without a declared proxy the header is ignored: a guesser cannot rotate it."""
    for n in range(LIMIT):
        sign_in(live_server.url, "/admin/login/", f"user{n}", "wrong", client=f"198.51.100.{n}")
    assert sign_in(live_server.url, "/admin/login/", "other", "x", "198.51.100.99").status_code == (
        429
    )


def test_behind_a_declared_proxy_one_client_cannot_lock_out_the_others(
    live_server, olivia, settings
):
    settings.LIKEWATCH_TRUSTED_PROXIES = ["127.0.0.1"]
    for n in range(LIMIT):
        sign_in(live_server.url, "/admin/login/", f"user{n}", "wrong", client="203.0.113.7")
    assert sign_in(live_server.url, "/admin/login/", "x", "y", "203.0.113.7").status_code == 429
    ok = sign_in(live_server.url, "/admin/login/", "olivia", "the-right-password-2026", "192.0.2.5")
    assert ok.status_code in (200, 302) and ok.status_code != 429


def test_one_name_is_locked_whatever_the_addresses_guessing_it(live_server, olivia, settings):
    settings.LIKEWATCH_TRUSTED_PROXIES = ["127.0.0.1"]
    for n in range(LIMIT):
        sign_in(live_server.url, "/accounts/login/", "olivia", "wrong", client=f"203.0.113.{n}")
    answer = sign_in(
        live_server.url, "/accounts/login/", "olivia", "the-right-password-2026", "192.0.2.200"
    )
    assert answer.status_code == 429


def test_guessing_api_tokens_is_throttled_with_a_json_answer(live_server, olivia):
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        for n in range(LIMIT - 1):
            wrong = http.post(
                "/api/manage/campaigns",
                json={"title": "x"},
                headers={"Authorization": f"Bearer lw_wrong{n}"},
            )
            assert wrong.status_code == 401
        http.post("/api/manage/campaigns", json={}, headers={"Authorization": "Bearer lw_w"})
        locked = http.post(
            "/api/manage/campaigns", json={"title": "x"}, headers={"Authorization": "Bearer lw_x"}
        )
    assert locked.status_code == 429
    assert locked.headers["content-type"].startswith("application/json")
    assert "Too many failed attempts" in locked.json()["detail"]
