"""Site-wide security: every route that writes or shows private data refuses strangers.

The route walk resolves EVERY URL pattern of the project. A route that is not in PUBLIC must
refuse anonymous GET and POST (redirect to sign-in, 401, 403 or 405) and refuse a signed-in
user without a role. A route added later without a permission check fails here until it gets
one, or until someone adds it to PUBLIC on purpose.
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from likewatch.organisers.models import Membership, PlatformCredential, Role
from likewatch.security import ratelimit
from likewatch.security.csp import HEADER as CSP
from likewatch.security.redaction import redact
from likewatch.tracking.models import Campaign

# Routes anyone may GET. Each must still refuse writes by anonymous users unless listed in
# PUBLIC_FORMS (forms a stranger must be able to send).
PUBLIC = {
    # The public site (likewatch.web): boards, histories, sharing.
    "web:index",
    "web:board",
    "web:board_live",
    "web:page",
    "web:methodology",
    "web:press",
    "web:feed_page",
    "web:set_language",
    "sharing:campaign_card",
    "sharing:campaign_embed",
    "sharing:campaign_embed_code",
    "sharing:campaign_export",
    "sharing:campaign_feed",
    "sharing:page_card",
    "sharing:page_embed",
    "sharing:page_embed_code",
    "sharing:page_export",
    # Flagged events and the evidence (likewatch.events, likewatch.evidence): public on
    # purpose, read only; events of pages on no public campaign stay hidden from strangers.
    "events:list",
    "events:detail",
    "evidence:index",
    "evidence:public_key",
    "evidence:well_known_key",
    "evidence:digests",
    "evidence:digest_json",
    "evidence:digest_signature",
    "evidence:raw",
    # The transparency log (checkpoints, consistency proofs, the witness endpoint): public by
    # design, like any tlog; what they prove is hashes, never a private campaign's pages.
    "evidence:checkpoints",
    "evidence:checkpoints_feed",
    "evidence:checkpoints_json",
    "evidence:consistency",
    "evidence:witness_add",
    # The read-only API (likewatch.api).
    "api:api-root",
    "api:openapi-json",
    "api:openapi-view",
    "api:campaigns",
    "api:campaign",
    "api:campaign_events",
    "api:campaign_history",
    "api:pages",
    "api:page",
    "api:page_current",
    "api:page_events",
    "api:page_history",
    "api:checkpoints",  # the transparency log, public by design (as above)
    "api:checkpoint_latest",
    # Signing in and recovering an account.
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "manage:invitation",  # the invitation token in the URL is the credential
    "admin:login",  # Django admin's own sign-in
    "admin:logout",
    "admin:password_reset",
    "admin:password_reset_done",
    "admin:password_reset_confirm",
    "admin:password_reset_complete",
    "admin:view_on_site",  # redirects to the public object, shows nothing private
    "admin:jsi18n",
}
PUBLIC_FORMS = {
    "web:set_language",
    "evidence:witness_add",  # C2SP tlog-witness: checkpoints authenticate by their signatures
    "login",
    "logout",
    "password_reset",
    "password_reset_confirm",
    "manage:invitation",
    "admin:login",
    "admin:logout",
    "admin:password_reset",
    "admin:password_reset_confirm",
    "admin:jsi18n",
}
# Anonymous users are sent to one of these to sign in.
LOGIN_PATHS = ("/accounts/login/", "/admin/login/")
SAMPLE = {"slug": "walk", "int": "1", "str": "facebook", "path": "x/y", "uuid": "0" * 32}


def walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    """(name, path) for every pattern, with converters filled with sample values."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            ns = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else ns
            yield from walk(pattern, prefix + _route(pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name or f"<unnamed {prefix}{pattern.pattern}>", "/" + prefix + _route(pattern)


def _route(pattern) -> str:
    text = str(pattern.pattern)
    if hasattr(pattern.pattern, "_route"):
        return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: _sample(m.group(1), m.group(2)), text)
    # A regex pattern (the admin's): fill groups with sample values.
    text = text.lstrip("^").rstrip("$").replace("\\Z", "")
    text = re.sub(
        r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLE["int"] if "id" in m.group(1) else "x", text
    )
    return re.sub(r"[()?^$\\]", "", text)


def _sample(converter: str | None, name: str) -> str:
    if name == "uidb64":
        return "MQ"
    return SAMPLE.get(converter or "str", "x")


ROUTES = sorted(set(walk(get_resolver())))


def refused(response) -> bool:
    if response.status_code in (401, 403, 404, 405):
        return True
    if response.status_code == 302:
        return response["Location"].startswith(LOGIN_PATHS) or "login" in response["Location"]
    return False


@pytest.fixture
def campaign(db):
    return Campaign.objects.create(slug="walk", title="Walk", starts_at=timezone.now())


def test_the_walk_finds_the_organisers_routes():
    names = {name for name, _ in ROUTES}
    assert {"manage:dashboard", "manage:credentials", "manage:tokens", "login"} <= names
    assert "api:create_campaign" in names


@pytest.mark.parametrize(("name", "path"), ROUTES, ids=[n for n, _ in ROUTES])
def test_anonymous_cannot_write_or_read_private_routes(client, campaign, name, path):
    get = client.get(path)
    post = client.post(path, {"public": "1", "title": "x"})
    if name in PUBLIC:
        assert get.status_code < 500, f"{name} ({path}) fails on GET"
    else:
        assert refused(get), f"{name} ({path}) answers anonymous GET with {get.status_code}"
    if name not in PUBLIC_FORMS:
        assert refused(post), f"{name} ({path}) answers anonymous POST with {post.status_code}"


MANAGE_ROUTES = [(n, p) for n, p in ROUTES if n.startswith("manage:") and n not in PUBLIC]


@pytest.mark.parametrize(("name", "path"), MANAGE_ROUTES, ids=[n for n, _ in MANAGE_ROUTES])
def test_a_user_without_a_role_is_refused(client, campaign, name, path):
    stranger = get_user_model().objects.create_user("stranger", password="pw-stranger-123")
    other = Campaign.objects.create(slug="other", title="Other", starts_at=timezone.now())
    Membership.objects.create(campaign=other, user=stranger, role=Role.OWNER)
    client.force_login(stranger)
    personal = {"manage:dashboard", "manage:create", "manage:tokens", "manage:token_revoke"}
    get = client.get(path)
    post = client.post(path, {"public": "1", "paused": "1", "direction": "join"})
    if name in personal:
        # A person's own space: nothing of this campaign's in it.
        assert b"Walk" not in get.content
        return
    assert get.status_code in (403, 404, 405), f"{name} lets a stranger GET"
    assert post.status_code in (403, 404), f"{name} lets a stranger POST ({post.status_code})"
    campaign.refresh_from_db()
    assert campaign.public is True and campaign.title == "Walk"


def test_an_editor_cannot_do_what_only_owners_do(client, campaign):
    editor = get_user_model().objects.create_user("ed", password="pw-editor-123")
    Membership.objects.create(campaign=campaign, user=editor, role=Role.EDITOR)
    client.force_login(editor)
    assert client.get("/manage/c/walk/").status_code == 200
    for path in ("/manage/c/walk/people/", "/manage/c/walk/alerts/", "/manage/c/walk/audit/"):
        assert client.get(path).status_code == 403, path
    assert client.post("/manage/c/walk/publish/", {"public": "0"}).status_code == 403
    assert client.get("/manage/credentials/").status_code == 403


def test_forms_need_a_csrf_token(campaign):
    owner = get_user_model().objects.create_user("own", password="pw-owner-123")
    Membership.objects.create(campaign=campaign, user=owner, role=Role.OWNER)
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post("/manage/c/walk/publish/", {"public": "0"}).status_code == 403
    campaign.refresh_from_db()
    assert campaign.public is True
    page = client.get("/manage/c/walk/")
    assert b"csrfmiddlewaretoken" in page.content


# Content-Security-Policy ------------------------------------------------------------------


@pytest.mark.django_db
def test_every_page_carries_a_policy_without_inline_script(client):
    response = client.get("/accounts/login/")
    policy = dict(d.strip().split(" ", 1) for d in response[CSP].split(";"))
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert "unsafe" not in response[CSP]
    assert policy["frame-ancestors"] == "'none'"
    assert b"<script>" not in response.content and b" style=" not in response.content


def test_embeddable_views_may_be_framed(rf):
    from django.http import HttpResponse
    from django.views.decorators.clickjacking import xframe_options_exempt

    from likewatch.security.csp import ContentSecurityPolicyMiddleware

    view = xframe_options_exempt(lambda request: HttpResponse("embed"))
    response = ContentSecurityPolicyMiddleware(view)(rf.get("/c/x/embed/"))
    assert "frame-ancestors *" in response[CSP]


# Rate limits --------------------------------------------------------------------------------


@pytest.fixture
def fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def mid_window(monkeypatch):
    """The limiter's clock stands still, thirty seconds into a minute window: a test that makes a
    few requests must not straddle a window boundary (on a busy machine, one did)."""
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 60 * 28_000_000 + 30.0))


@pytest.mark.django_db
def test_sign_in_is_rate_limited(client, settings, fresh_cache, mid_window):
    settings.LIKEWATCH_RATE_LIMITS = {**settings.LIKEWATCH_RATE_LIMITS, "login": "3/m"}
    get_user_model().objects.create_user("victim", password="right-password-123")
    answers = [
        client.post("/accounts/login/", {"username": "victim", "password": f"guess{i}"})
        for i in range(4)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1]["Retry-After"]) > 0
    # Even the right password waits: the limit is on attempts, not failures.
    right = client.post(
        "/accounts/login/", {"username": "victim", "password": "right-password-123"}
    )
    assert right.status_code == 429


@pytest.mark.django_db
def test_the_public_api_is_rate_limited_per_address(client, settings, fresh_cache, mid_window):
    settings.LIKEWATCH_RATE_LIMITS = {**settings.LIKEWATCH_RATE_LIMITS, "api": "2/m"}
    codes = [client.get("/api/openapi.json").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    other = client.get("/api/openapi.json", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_redis_holds_the_counters_when_configured(tmp_path):
    code = "from likewatch import settings; print(settings.CACHES['default']['BACKEND'])"
    env = {"PATH": "/usr/bin:/bin", "LIKEWATCH_VAR": str(tmp_path), "LIKEWATCH_ENV_FILE": "/x"}
    default = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert default.stdout.strip().endswith("LocMemCache")
    env["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    redis = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert redis.stdout.strip() == "django.core.cache.backends.redis.RedisCache"


def test_rates_are_parsed_and_windows_reset(settings, fresh_cache):
    assert ratelimit.Rate.parse("10/15m") == ratelimit.Rate(10, 900)
    with pytest.raises(ValueError):
        ratelimit.Rate.parse("ten per minute")
    assert ratelimit.hit("t", "k", "1/m", now=60.0) is None
    assert ratelimit.hit("t", "k", "1/m", now=61.0) == 59
    assert ratelimit.hit("t", "k", "1/m", now=120.0) is None


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(rf, settings):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.1.1.1", REMOTE_ADDR="127.0.0.1")
    assert ratelimit.client_ip(request) == "127.0.0.1"
    settings.LIKEWATCH_TRUSTED_PROXIES = ["127.0.0.1"]
    assert ratelimit.client_ip(request) == "10.1.1.1"
    # Proxies in a chain are skipped from the right; a client's own entries are not believed.
    settings.LIKEWATCH_TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    assert ratelimit.client_ip(request) == "6.6.6.6"
    # A connection from anywhere else is its own address, whatever the header says.
    direct = rf.get("/", HTTP_X_FORWARDED_FOR="10.1.1.1", REMOTE_ADDR="203.0.113.9")
    assert ratelimit.client_ip(direct) == "203.0.113.9"


# Secrets ------------------------------------------------------------------------------------

PLATFORM_TOKEN = "EAAGtest" + "Q" * 30 + "zz91"


def test_log_redaction_blanks_tokens():
    line = f"GET https://graph.facebook.com/v24.0/?ids=1&access_token={PLATFORM_TOKEN} 500"
    assert PLATFORM_TOKEN not in redact(line)
    assert "lw_" + "a" * 40 not in redact("Authorization: Bearer lw_" + "a" * 40)


def test_secrets_never_reach_an_error_page_or_the_logs(db, client, caplog, settings, monkeypatch):
    """A credential form that crashes: neither the debug page, the e-mail to admins nor the
    log holds the token that was posted."""
    from django.core import mail

    staff = get_user_model().objects.create_user("ops", password="pw-ops-123", is_staff=True)
    client.force_login(staff)
    client.raise_request_exception = False
    settings.ADMINS = [("ops", "ops@example.org")]
    settings.DEBUG = True

    def broken(text):
        raise RuntimeError("disk full")

    monkeypatch.setattr("likewatch.organisers.encryption.encrypt", broken)
    data = {"platform": "facebook", "token": PLATFORM_TOKEN}
    with caplog.at_level(logging.ERROR):
        debug_page = client.post("/manage/credentials/", data)
    assert debug_page.status_code == 500
    assert PLATFORM_TOKEN not in debug_page.content.decode()
    assert PLATFORM_TOKEN not in caplog.text

    settings.DEBUG = False
    with caplog.at_level(logging.ERROR):
        page = client.post("/manage/credentials/", data)
    assert page.status_code == 500 and PLATFORM_TOKEN not in page.content.decode()
    for message in mail.outbox:
        assert PLATFORM_TOKEN not in message.body
    assert PLATFORM_TOKEN not in caplog.text
    assert settings.SECRET_KEY not in debug_page.content.decode()
    assert not PlatformCredential.objects.exists()


# Production settings ------------------------------------------------------------------------


def test_check_deploy_is_clean_with_the_production_settings(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "likewatch.settings_production",
        "SECRET_KEY": "prod-" + "abcdefghij" * 6,
        "ALLOWED_HOSTS": "likewatch.example.org",
        "SITE_URL": "https://likewatch.example.org",
        "LIKEWATCH_VAR": str(tmp_path),
        "LIKEWATCH_ENV_FILE": "/nonexistent",
    }
    done = subprocess.run(
        [sys.executable, "-m", "likewatch", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "no issues" in done.stdout


def test_production_refuses_the_placeholder_secret_key(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "likewatch.settings_production",
        "ALLOWED_HOSTS": "likewatch.example.org",
        "LIKEWATCH_VAR": str(tmp_path),
        "LIKEWATCH_ENV_FILE": "/nonexistent",
    }
    done = subprocess.run(
        [sys.executable, "-m", "likewatch", "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr
