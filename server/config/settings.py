"""SaveTrail settings: the one place that reads the environment.

With nothing set, the server runs for local development: SQLite in var/ and a
secret generated once into var/. A deployment sets ALLOWED_HOSTS, and then must
set SECRET_KEY too; see docs/deploy.md for every variable.

Every boolean is parsed strictly: true/false, yes/no, on/off or 1/0, in any
case. Anything else stops start-up with a message naming the variable.
"""

import contextlib
import os
import re
import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = BASE_DIR.parent

env = environ.Env()

_TRUE_WORDS = {"true", "yes", "on", "1"}
_FALSE_WORDS = {"false", "no", "off", "0"}
_RATE_PATTERN = re.compile(
    r"^(?P<count>[1-9][0-9]*)/(?P<unit>s|sec|m|min|h|hour|d|day)$"
)


def env_bool(name: str, default: bool) -> bool:
    """Return the boolean in variable name; raise for anything but a clear word."""
    raw = env.str(name, default="").strip()
    if raw == "":
        return default
    if raw.lower() in _TRUE_WORDS:
        return True
    if raw.lower() in _FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use true or false (yes/no, on/off, 1/0)."
    )


def env_int(name: str, default: int) -> int:
    """Return the whole number in variable name; raise with its name otherwise."""
    raw = env.str(name, default="").strip()
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    """Return the comma-separated items of variable name, blanks dropped."""
    if name not in os.environ:
        return default
    return [item.strip() for item in env.str(name).split(",") if item.strip()]


def env_rate(name: str, default: str) -> str | None:
    """Return a rate such as "120/min", or None when the variable says "off"."""
    raw = env.str(name, default=default).strip().lower()
    if raw in {"off", "none", ""}:
        return None
    if not _RATE_PATTERN.match(raw):
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a rate: use a count per sec, min, hour or day, "
            'for example "120/min", or "off".'
        )
    return raw


VAR_DIR = Path(env.str("SAVETRAIL_VAR_DIR", default=str(REPO_DIR / "var")))

DEBUG = env_bool("DEBUG", default=False)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])


def _development_secret_key() -> str:
    """Return the secret kept in var/, creating it on first use.

    Several processes may start at once: the secret is written to a private
    temporary file and linked into place, so every process reads the same one.
    """
    secret_file = VAR_DIR / "secret_key"
    if not secret_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        draft = VAR_DIR / f"secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        draft.write_text(secrets.token_urlsafe(50))
        draft.chmod(0o600)
        try:
            os.link(draft, secret_file)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return secret_file.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="").strip()
if not SECRET_KEY:
    if "ALLOWED_HOSTS" in os.environ:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. A server reachable under ALLOWED_HOSTS needs its "
            "own secret: set SECRET_KEY to a long random string, for example the "
            'output of: python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
    SECRET_KEY = _development_secret_key()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "saves",
]

MIDDLEWARE = [
    "saves.api.middleware.LocalHealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "saves.middleware.ViewerTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'savetrail.sqlite3'}"
    )
}
DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers queue for the lock (up to 20 s) instead of failing with
    # "database is locked": WAL lets readers work during a write, and IMMEDIATE
    # transactions take the write lock up front, where SQLite can wait for it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )
    if DATABASES["default"]["NAME"] not in {"", ":memory:"}:
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)

_VALIDATORS = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_VALIDATORS}.MinimumLengthValidator"},
    {"NAME": f"{_VALIDATORS}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATORS}.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
with contextlib.suppress(OSError):  # WhiteNoise warns about a missing folder.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve the admin's and the API docs' files straight from the installed apps,
# so the server works with or without collectstatic.
WHITENOISE_USE_FINDERS = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# HTTPS. Behind a proxy that terminates TLS, set SECURE_PROXY_SSL_HEADER=true
# (the proxy must set X-Forwarded-Proto) and SECURE_SSL_REDIRECT=true.
if env_bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health/?$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=SECURE_SSL_REDIRECT)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=SECURE_SSL_REDIRECT)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False
)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)

# Bodies over 1 MiB are refused (413 under /api/).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "saves.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["saves.api.authentication.HasReadScope"],
    "DEFAULT_THROTTLE_CLASSES": ["saves.api.throttling.ClientRateThrottle"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "saves.api.exceptions.handle_api_exception",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_METADATA_CLASS": None,
}

# Requests per API key (or staff user), counted in the database across every
# server process. "off" turns throttling off.
SAVETRAIL_THROTTLE_RATE = env_rate("SAVETRAIL_THROTTLE_RATE", default="120/min")

SPECTACULAR_SETTINGS = {
    "TITLE": "SaveTrail API",
    "DESCRIPTION": (
        "Reports of saved Blender files. Send `Authorization: Bearer <key>`; "
        "keys carry the scopes `report` (may POST) and `read` (may list)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "PREPROCESSING_HOOKS": ["saves.api.schema.slash_endpoints_only"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "saves.api.schema.text_without_nul",
    ],
    "ENUM_NAME_OVERRIDES": {"BatchStatusEnum": "saves.api.serializers.BATCH_STATUSES"},
}

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL={LOG_LEVEL!r} is not a level: use DEBUG, INFO, WARNING or ERROR."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
    },
}
