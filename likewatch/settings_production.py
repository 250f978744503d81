"""Settings for a public deployment behind HTTPS.

Use them with `DJANGO_SETTINGS_MODULE=likewatch.settings_production`.

Everything in likewatch.settings still applies (and still reads the environment); this adds
what a site on the internet needs. `likewatch check --deploy` is clean with it. Behind a
reverse proxy that terminates TLS, set LIKEWATCH_PROXY_SSL_HEADER=1 so Django trusts its
X-Forwarded-Proto header.
"""

from django.core.exceptions import ImproperlyConfigured

from likewatch.settings import *  # noqa: F403
from likewatch.settings import env

DEBUG = False
# Turns on the checks that only matter on a public site (likewatch.W100: SITE_URL unset;
# likewatch.configuration.checks).
LIKEWATCH_PRODUCTION = True
if SECRET_KEY.startswith("likewatch-uninitialised-"):  # noqa: F405
    raise ImproperlyConfigured(
        "Production needs a real SECRET_KEY: run `likewatch init` or set the SECRET_KEY variable."
    )

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
if env.bool("LIKEWATCH_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
# Browsers remember to use HTTPS only; lower SECURE_HSTS_SECONDS while trying a new domain.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
