"""Django settings for likewatch.

Everything a deployment changes comes from the environment or an optional `.env` file in the
working directory (read with django-environ). The defaults run on one machine with nothing to
install: a SQLite database and a generated secret key, both under ./var.
"""

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
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "likewatch.tracking",
    "likewatch.rollups",
    "likewatch.fanout",
    "likewatch.web",
    "likewatch.cli",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
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
    },
}

# Poller tuning.
LIKEWATCH_DEFAULT_INTERVAL = env.int("LIKEWATCH_DEFAULT_INTERVAL", default=300)
# The demo lowers this to replay a day in minutes; a real deployment never goes below 60.
LIKEWATCH_MIN_INTERVAL = env.int("LIKEWATCH_MIN_INTERVAL", default=60)
LIKEWATCH_HTTP_TIMEOUT = env.float("LIKEWATCH_HTTP_TIMEOUT", default=20.0)
# How far a page's fetch may run before another poller may take it over.
LIKEWATCH_LEASE_SECONDS = env.int("LIKEWATCH_LEASE_SECONDS", default=120)

# Live fan-out between processes: Redis pub/sub when REDIS_URL is set, else PostgreSQL
# LISTEN/NOTIFY on a PostgreSQL database; see likewatch.fanout.
REDIS_URL = env.str("REDIS_URL", default="")
LIKEWATCH_LIVE_CHANNEL = env.str("LIKEWATCH_LIVE_CHANNEL", default="likewatch_pages")
