"""Django settings for likewatch.

Everything a deployment changes comes from the environment or an optional `.env` file in the
working directory (read with django-environ). The defaults run on one machine with nothing to
install: a SQLite database and a generated secret key, both under ./var.
"""

from datetime import timedelta
from pathlib import Path

import environ

env = environ.Env()
ENV_FILE = Path(env.str("LIKEWATCH_ENV_FILE", default=".env"))
if ENV_FILE.is_file():
    env.read_env(str(ENV_FILE))

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env.str("LIKEWATCH_VAR", default="var")).resolve()
SECRET_KEY_FILE = VAR_DIR / "secret_key"


def _secret_key() -> str:
    # `likewatch init` writes the key file; before that a throwaway key lets --help and init
    # themselves run. Nothing signed with it outlives the process.
    if "SECRET_KEY" in env:
        return env.str("SECRET_KEY")
    if SECRET_KEY_FILE.is_file():
        return SECRET_KEY_FILE.read_text().strip()
    return "likewatch-uninitialised-" + "x" * 40


SECRET_KEY = _secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Empty: links take the address each request came to (likewatch.site); set it in production.
SITE_URL = env.str("SITE_URL", default="")
# True under likewatch.settings_production: the system checks then hold the deployment to what
# a public site needs (likewatch.site, likewatch.configuration.checks).
LIKEWATCH_PRODUCTION = False

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # django-ninja as an app so its API docs use its bundled static files, never a CDN.
    "ninja",
    "likewatch.tracking",
    "likewatch.events",
    "likewatch.evidence",
    "likewatch.rollups",
    "likewatch.fanout",
    "likewatch.web",
    "likewatch.api",
    "likewatch.cli",
    "likewatch.organisers",
    "likewatch.alerts",
    "likewatch.security",
    "likewatch.configuration",
    # Sign-in throttling (likewatch.security.throttling).
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "likewatch.security.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "likewatch.site.OriginMiddleware",
    "likewatch.api.middleware.ReadOnlyAPIMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "likewatch.security.ratelimit.PublicApiRateLimitMiddleware",
    # Last, as django-axes asks: it turns a locked-out attempt into likewatch's 429.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "likewatch.urls"
ASGI_APPLICATION = "likewatch.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL_DEFAULT = f"sqlite:///{VAR_DIR / 'likewatch.sqlite3'}"
DATABASES = {"default": env.db_url("DATABASE_URL", default=DATABASE_URL_DEFAULT)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so a poller and the web server
    # wait for each other instead of failing with "database is locked" half-way through.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français"), ("ar", "العربية")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"redact": {"()": "likewatch.security.redaction.RedactSecrets"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "django.db.backends": {"level": "WARNING"}},
}

# Platform credentials and endpoints. Base URLs exist so that the simulator and the test
# replay servers can stand in for the real platforms: only the URL differs.
LIKEWATCH_SOURCES = {
    "facebook": {
        "base_url": env.str("FACEBOOK_BASE_URL", default="https://graph.facebook.com"),
        "api_version": env.str("FACEBOOK_API_VERSION", default="v24.0"),
        "token": env.str("FACEBOOK_TOKEN", default=""),
        # "web": without a token (or an app approved for Page Public Metadata Access) read the
        # count a public page shows logged-out visitors instead, marked lower confidence.
        # Off by default: reading Facebook's pages is the organiser's informed choice.
        "fallback": env.str("FACEBOOK_FALLBACK", default=""),
        "web_url": env.str("FACEBOOK_WEB_URL", default="https://www.facebook.com"),
    },
    "instagram": {
        "base_url": env.str("INSTAGRAM_BASE_URL", default="https://graph.facebook.com"),
        "api_version": env.str("INSTAGRAM_API_VERSION", default="v24.0"),
        "token": env.str("INSTAGRAM_TOKEN", default=""),
        # The organiser's own Instagram professional account, through which business
        # discovery looks up other accounts.
        "user_id": env.str("INSTAGRAM_USER_ID", default=""),
    },
    "youtube": {
        "base_url": env.str("YOUTUBE_BASE_URL", default="https://www.googleapis.com/youtube/v3"),
        "token": env.str("YOUTUBE_API_KEY", default=""),
        "daily_quota": env.int("YOUTUBE_DAILY_QUOTA", default=10_000),
    },
    "x": {
        "base_url": env.str("X_BASE_URL", default="https://api.x.com/2"),
        "token": env.str("X_BEARER_TOKEN", default=""),
    },
    "telegram": {
        "base_url": env.str("TELEGRAM_BASE_URL", default="https://api.telegram.org"),
        "token": env.str("TELEGRAM_BOT_TOKEN", default=""),
    },
    "mastodon": {
        # Instances are named by the page; this overrides the scheme and host for tests
        # ("http://127.0.0.1:8123"), empty in production.
        "base_url": env.str("MASTODON_BASE_URL", default=""),
        # Optional per-instance tokens: "mastodon.social=TOKEN,example.org=TOKEN".
        "tokens": env.dict("MASTODON_TOKENS", default={}),
    },
    "bluesky": {
        "base_url": env.str("BLUESKY_BASE_URL", default="https://public.api.bsky.app"),
    },
    "json": {},
    "web": {
        "chromium": env.str("LIKEWATCH_CHROMIUM", default="/usr/bin/chromium"),
    },
}

# Poller tuning.
LIKEWATCH_DEFAULT_INTERVAL = env.int("LIKEWATCH_DEFAULT_INTERVAL", default=300)
# The demo lowers this to replay a day in minutes; a real deployment never goes below 60.
LIKEWATCH_MIN_INTERVAL = env.int("LIKEWATCH_MIN_INTERVAL", default=60)
LIKEWATCH_HTTP_TIMEOUT = env.float("LIKEWATCH_HTTP_TIMEOUT", default=20.0)
# The outbound guard (likewatch.security.outbound, docs/security.md): one fetch, redirects and
# reading included, ends by this deadline; an answer may not inflate past this many bytes.
LIKEWATCH_HTTP_DEADLINE = env.float("LIKEWATCH_HTTP_DEADLINE", default=30.0)
LIKEWATCH_HTTP_MAX_BYTES = env.int("LIKEWATCH_HTTP_MAX_BYTES", default=10 * 2**20)
# A source's whole read of one batch (several requests, or a browser rendering a page).
LIKEWATCH_READ_DEADLINE = env.float("LIKEWATCH_READ_DEADLINE", default=60.0)
# Networks ("10.2.0.0/16", "::1") and host names ("intranet.example.org", ".example.org" for a
# whole domain) likewatch may fetch although they are not public internet addresses, and ones
# it must never fetch. Empty by default: only public addresses. Denials win.
LIKEWATCH_OUTBOUND_ALLOW = env.list("LIKEWATCH_OUTBOUND_ALLOW", default=[])
LIKEWATCH_OUTBOUND_DENY = env.list("LIKEWATCH_OUTBOUND_DENY", default=[])
# How far a page's fetch may run before another poller may take it over.
LIKEWATCH_LEASE_SECONDS = env.int("LIKEWATCH_LEASE_SECONDS", default=120)
# How long a due page may wait for others to fill its round and its request, at most a sixth
# of its interval (likewatch.poller.claims.round_start); the wait never stretches the interval.
LIKEWATCH_BATCH_WAIT_SECONDS = env.float("LIKEWATCH_BATCH_WAIT_SECONDS", default=10.0)

# Live boards: how open boards learn about new history (likewatch.fanout.broker). The default
# watches the database, one cheap query per tick for the whole process.
LIKEWATCH_LIVE_BROKER = env.str(
    "LIKEWATCH_LIVE_BROKER", default="likewatch.fanout.broker.DatabaseWatchBroker"
)
LIKEWATCH_LIVE_TICK = env.float("LIKEWATCH_LIVE_TICK", default=0.5)
# Seconds between keep-alive comments on an idle live connection (proxies drop silent ones).
LIKEWATCH_LIVE_KEEPALIVE = env.float("LIKEWATCH_LIVE_KEEPALIVE", default=15.0)
# Live streams one client address may hold open at once in one web process.
LIKEWATCH_LIVE_STREAMS_PER_CLIENT = env.int("LIKEWATCH_LIVE_STREAMS_PER_CLIENT", default=20)

# The micro-cache in front of Django (likewatch.web.microcache): public answers are served
# from memory for at most this many seconds (0 turns it off), then served stale for at most
# LIKEWATCH_MICROCACHE_STALE_SECONDS while one request refreshes them; it holds at most
# LIKEWATCH_MICROCACHE_BYTES per web process.
LIKEWATCH_MICROCACHE_SECONDS = env.float("LIKEWATCH_MICROCACHE_SECONDS", default=2.0)
LIKEWATCH_MICROCACHE_STALE_SECONDS = env.float("LIKEWATCH_MICROCACHE_STALE_SECONDS", default=10.0)
LIKEWATCH_MICROCACHE_BYTES = env.int("LIKEWATCH_MICROCACHE_BYTES", default=64 * 2**20)

# Share cards (likewatch.web.card_fonts): folders searched for Noto Sans, Noto Sans Arabic and
# DejaVu Sans, in order; Debian's fonts-noto-core and fonts-dejavu-core put them here.
LIKEWATCH_CARD_FONT_DIRS = env.list(
    "LIKEWATCH_CARD_FONT_DIRS",
    default=[
        "/usr/share/fonts/truetype/noto",
        "/usr/share/fonts/opentype/noto",
        "/usr/share/fonts/truetype/dejavu",
    ],
)

# Organisers: accounts, e-mail, stored secrets ---------------------------------------------
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "manage:dashboard"
LOGOUT_REDIRECT_URL = "login"
# E-mail (password resets, invitations): printed on the console unless EMAIL_URL is set,
# e.g. smtp+tls://user:password@smtp.example.org:587
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="likewatch <likewatch@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Error reports blank any frame variable holding a secret posted by the user.
DEFAULT_EXCEPTION_REPORTER_FILTER = "likewatch.security.reporting.SecretScrubbingFilter"
# Keys that encrypt stored tokens and alert URLs (Fernet keys, newest first). When empty,
# they are derived from SECRET_KEY and SECRET_KEY_FALLBACKS.
LIKEWATCH_ENCRYPTION_KEYS = env.list("LIKEWATCH_ENCRYPTION_KEYS", default=[])
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
# Warn this many days before a platform token expires.
LIKEWATCH_TOKEN_WARNING_DAYS = env.int("LIKEWATCH_TOKEN_WARNING_DAYS", default=7)

# Caches and rate limits --------------------------------------------------------------------
# Redis makes the limits hold across every web process; local memory counts per process.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env.str("REDIS_URL")}
        if "REDIS_URL" in env
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    # Rendered share cards, shared by every server process and kept across restarts, so a
    # link that goes viral is drawn once per new value, not once per request.
    "cards": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache" / "cards"),
        "TIMEOUT": 7 * 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}
LIKEWATCH_RATE_LIMIT_CACHE = "default"
LIKEWATCH_RATE_LIMITS = {
    "login": env.str("LIKEWATCH_LOGIN_RATE", default="10/15m"),
    "password_reset": env.str("LIKEWATCH_PASSWORD_RESET_RATE", default="5/h"),
    "api": env.str("LIKEWATCH_API_RATE", default="120/m"),
}
LIKEWATCH_RATE_LIMITED_PATHS = ["/api/"]
# The reverse proxies (addresses or networks) whose X-Forwarded-For is believed, e.g.
# "127.0.0.1" for nginx on the same machine. Empty: the connection's address is the client's.
LIKEWATCH_TRUSTED_PROXIES = env.list("LIKEWATCH_TRUSTED_PROXIES", default=[])
# Sign-in throttling (django-axes): after this many failures within the cool-off, per user
# name and per client address, sign-ins are refused until the cool-off has passed.
AXES_FAILURE_LIMIT = env.int("LIKEWATCH_LOGIN_FAILURES", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LIKEWATCH_LOGIN_COOLOFF", default=15))
AXES_LOCKOUT_PARAMETERS = "likewatch.security.throttling.lockout_parameters"
AXES_CLIENT_IP_CALLABLE = "likewatch.security.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "likewatch.security.throttling.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Content-Security-Policy: no inline script or style anywhere; pages use static files only.
LIKEWATCH_CSP = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "style-src": ["'self'"],
    "script-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Who may frame the views marked xframe_options_exempt (the embeddable board).
LIKEWATCH_CSP_EMBED_FRAME_ANCESTORS = env.list("LIKEWATCH_EMBED_FRAME_ANCESTORS", default=["*"])

# Alerts ------------------------------------------------------------------------------------
# A burst of alerts within this many seconds goes out as one message.
LIKEWATCH_ALERT_DIGEST_SECONDS = env.int("LIKEWATCH_ALERT_DIGEST_SECONDS", default=120)

# Events and evidence (likewatch.events, likewatch.evidence).
# Detect events as the poller records (False: only `likewatch events` does).
LIKEWATCH_EVENTS_LIVE = env.bool("LIKEWATCH_EVENTS_LIVE", default=True)
# Unusual gain/drop flags allowed per page per 30 days of ordinary traffic: each page's
# thresholds are set from its own history for this rate (likewatch.events.detect).
LIKEWATCH_EVENTS_FALSE_ALARMS_PER_30_DAYS = env.float(
    "LIKEWATCH_EVENTS_FALSE_ALARMS_PER_30_DAYS", default=1.0
)
# ...and at most one per this many fetches: a page fetched once a day is held to about one
# flag in 7 months, not one in 30 fetches (binds only pages fetched every few hours or less).
LIKEWATCH_EVENTS_FETCHES_PER_FALSE_ALARM = env.float(
    "LIKEWATCH_EVENTS_FETCHES_PER_FALSE_ALARM", default=200.0
)
# How long the raw body of each platform answer is kept (compressed), in days.
LIKEWATCH_RAW_RETENTION_DAYS = env.int("LIKEWATCH_RAW_RETENTION_DAYS", default=90)
# The Ed25519 key that signs the daily digests; `likewatch init` makes it (mode 0600).
LIKEWATCH_SIGNING_KEY = Path(
    env.str("LIKEWATCH_SIGNING_KEY", default=str(VAR_DIR / "signing-key.pem"))
)
# The transparency log (likewatch.evidence.log, checkpoints, witness).
# The log's name in its checkpoints; default: SITE_URL's host and path + "/log". Fixed by
# the first checkpoint signed.
LIKEWATCH_LOG_ORIGIN = env.str("LIKEWATCH_LOG_ORIGIN", default="")
# Who signs checkpoints: "poller" (each poller after its round, when it can read the key)
# or "separate" (only `likewatch checkpoint sign --follow`, on a host holding the key).
LIKEWATCH_CHECKPOINT_SIGNER = env.str("LIKEWATCH_CHECKPOINT_SIGNER", default="poller")
# Witnesses asked to cosign each checkpoint: "<vkey> <add-checkpoint URL prefix>", comma
# separated, e.g. "w.example/w1+1234abcd+BA...= https://w.example/witness".
LIKEWATCH_WITNESSES = env.list("LIKEWATCH_WITNESSES", default=[])
# This instance as a witness: its cosigner key (made by `likewatch witness init`), and the
# vkeys of the logs it agrees to witness (comma separated).
LIKEWATCH_WITNESS_KEY = Path(
    env.str("LIKEWATCH_WITNESS_KEY", default=str(VAR_DIR / "witness-key.pem"))
)
LIKEWATCH_WITNESS_NAME = env.str("LIKEWATCH_WITNESS_NAME", default="")
LIKEWATCH_WITNESSED_LOGS = env.list("LIKEWATCH_WITNESSED_LOGS", default=[])
# An RFC 3161 timestamp authority asked to timestamp each checkpoint (empty: none).
LIKEWATCH_TSA_URL = env.str("LIKEWATCH_TSA_URL", default="")
# Checkpoints older than this many hours are thinned to the last of each UTC day (and
# every cosigned one); readers and witnesses keep their own copies.
LIKEWATCH_CHECKPOINT_KEEP_HOURS = env.int("LIKEWATCH_CHECKPOINT_KEEP_HOURS", default=48)

# Live fan-out between processes: Redis pub/sub when REDIS_URL is set, else PostgreSQL
# LISTEN/NOTIFY on a PostgreSQL database; see likewatch.fanout.
REDIS_URL = env.str("REDIS_URL", default="")
LIKEWATCH_LIVE_CHANNEL = env.str("LIKEWATCH_LIVE_CHANNEL", default="likewatch_pages")
# With likewatch.fanout.broker.PubSubBroker: how often watched pages are re-read anyway.
LIKEWATCH_LIVE_RESYNC = env.float("LIKEWATCH_LIVE_RESYNC", default=60.0)
