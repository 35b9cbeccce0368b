"""Settings, read once from the environment, with safe development defaults.

With ``DEBUG`` off the process refuses to start while any development default is still
in place (secret key, digest key, allowed hosts, issuer): a forgotten variable must be
loud, not a silent weakness in production.
"""

import ipaddress
import logging
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer number of seconds, got {value!r}.") from exc


def _env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEV_SECRET_KEY = "dev-insecure-secret-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"
DEV_DIGEST_KEY = "dev-insecure-client-secret-digest-key"
DEV_AUDIT_CHAIN_KEY = "dev-insecure-audit-chain-key"
# `make run` passes OAUTH_ISSUER=http://$(HOST):$(PORT); this is its value for the defaults.
DEV_ISSUER = "http://127.0.0.1:8000"
DEV_ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

DEBUG = _env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or DEV_SECRET_KEY
SECRET_KEY_FALLBACKS = _env_list("SECRET_KEY_FALLBACKS", [])
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", DEV_ALLOWED_HOSTS)
# Client secrets are stored as HMAC-SHA256 digests under this key (see oauthapps/secrets.py).
# It is separate from SECRET_KEY so that rotating the session key does not lock out every app.
CLIENT_SECRET_DIGEST_KEY = os.environ.get("CLIENT_SECRET_DIGEST_KEY") or DEV_DIGEST_KEY
OAUTH_ISSUER = (os.environ.get("OAUTH_ISSUER") or DEV_ISSUER).rstrip("/")
# Audit events are chained with HMAC-SHA256 under this key (audit/chain.py): kept out of the
# database, so whoever can write the tables cannot recompute the chain. Changing it makes
# every event written before the change fail `audit_verify`.
AUDIT_CHAIN_KEY = os.environ.get("AUDIT_CHAIN_KEY") or DEV_AUDIT_CHAIN_KEY
TOKEN_AUDIENCES = _env_list("TOKEN_AUDIENCES", [OAUTH_ISSUER])
# The audiences this server's own APIs (IAM, Monitor) accept (RFC 9068 §4): the issuer and the
# default `aud` of issued tokens. A token an app asked for another resource server is refused.
API_AUDIENCES = _env_list("API_AUDIENCES", list(dict.fromkeys([OAUTH_ISSUER, TOKEN_AUDIENCES[0]])))
# The audiences the gateway check accepts; empty means every audience this server issues.
GATEWAY_AUDIENCES = _env_list("GATEWAY_AUDIENCES", [])
# Hosts' clocks differ by a few seconds: every verifier of our tokens accepts an iat/nbf this
# far in the future and an exp this far in the past, so a token fresh on one host passes on all.
TOKEN_CLOCK_LEEWAY_SECONDS = _env_int("TOKEN_CLOCK_LEEWAY_SECONDS", 10)
# Keys at an app's jwks_uri and federated issuers' keys are fetched from public https servers
# only (oauthapps/server/key_fetch.py). A developer's local issuer (http on 127.0.0.1) is
# accepted when this is on: by default only with DEBUG (make run), never in production.
KEY_FETCH_ALLOW_LOOPBACK = _env_bool("KEY_FETCH_ALLOW_LOOPBACK", DEBUG)
# A DPoP proof (RFC 9449) is accepted for this long after its iat (plus the leeway above), and
# its jti is remembered as long, so that each proof is used once.
DPOP_PROOF_MAX_AGE_SECONDS = _env_int("DPOP_PROOF_MAX_AGE_SECONDS", 60)
# RFC 9449 §8: the token endpoint requires a proof to carry a nonce it provided (DPoP-Nonce),
# so that a proof made in advance, on a clock set ahead, is useless. Off by default.
DPOP_NONCES = _env_bool("DPOP_NONCES", False)

# Twilio's ranges, fixed by the product (not knobs): an app's Token expiration time is 1
# minute to 30 days, a rotation's grace period 0 (the old secret stops at once) to 30 days.
ACCESS_TOKEN_TTL_MIN_SECONDS = 60
ACCESS_TOKEN_TTL_MAX_SECONDS = 30 * 86400
SECRET_GRACE_MAX_SECONDS = 30 * 86400
# The defaults of a new app's Token expiration time and of a rotation's grace period.
ACCESS_TOKEN_TTL_SECONDS = _env_int("ACCESS_TOKEN_TTL_SECONDS", 3600)
SECRET_GRACE_SECONDS = _env_int("SECRET_GRACE_SECONDS", 86400)
# RS256 by default: RFC 9068 §4 requires every resource server to accept it, and its
# verification (done on every API call) is the cheapest of the common algorithms; the
# signing cost (~1 ms) is paid once per token. ES256 is available for smaller tokens.
JWT_SIGNING_ALGORITHM = os.environ.get("JWT_SIGNING_ALGORITHM", "RS256")
TOKEN_ENDPOINT_MAX_BODY_BYTES = _env_int("TOKEN_ENDPOINT_MAX_BODY_BYTES", 8192)
# The most OAuth apps one account may hold: creates beyond it are refused (a 400 in the API),
# so that no caller can grow an account's apps, and the pages and queries over them, unbounded.
MAX_APPS_PER_ACCOUNT = _env_int("MAX_APPS_PER_ACCOUNT", 1000)
# The most one-token (RFC 7009, by jti) revocations one app may have in force: each is kept
# until its token's exp, so without a cap an app could grow the table and the Redis copy
# without bound. Beyond it revocation answers 429; revoking by secret has no such cost.
REVOCATIONS_MAX_JTI_PER_APP = _env_int("REVOCATIONS_MAX_JTI_PER_APP", 1000)

if not DEBUG:
    insecure = []
    if SECRET_KEY == DEV_SECRET_KEY:
        insecure.append("SECRET_KEY")
    if CLIENT_SECRET_DIGEST_KEY == DEV_DIGEST_KEY:
        insecure.append("CLIENT_SECRET_DIGEST_KEY")
    if AUDIT_CHAIN_KEY == DEV_AUDIT_CHAIN_KEY:
        insecure.append("AUDIT_CHAIN_KEY")
    if ALLOWED_HOSTS == DEV_ALLOWED_HOSTS:
        insecure.append("ALLOWED_HOSTS")
    if OAUTH_ISSUER == DEV_ISSUER:
        insecure.append("OAUTH_ISSUER")
    if insecure:
        raise ImproperlyConfigured(
            "Refusing to start with DEBUG off while development defaults are in use: set "
            + ", ".join(insecure)
            + " in the environment (see docs/configuration.md)."
        )
    if not 0 <= TOKEN_CLOCK_LEEWAY_SECONDS <= 300:
        raise ImproperlyConfigured("TOKEN_CLOCK_LEEWAY_SECONDS must be between 0 and 300 (a few seconds).")

if not 1 <= DPOP_PROOF_MAX_AGE_SECONDS <= 600:
    raise ImproperlyConfigured("DPOP_PROOF_MAX_AGE_SECONDS must be from 1 to 600 (a short window).")
if not ACCESS_TOKEN_TTL_MIN_SECONDS <= ACCESS_TOKEN_TTL_SECONDS <= ACCESS_TOKEN_TTL_MAX_SECONDS:
    raise ImproperlyConfigured(
        f"ACCESS_TOKEN_TTL_SECONDS must be from {ACCESS_TOKEN_TTL_MIN_SECONDS} to "
        f"{ACCESS_TOKEN_TTL_MAX_SECONDS} seconds."
    )
if not 0 <= SECRET_GRACE_SECONDS <= SECRET_GRACE_MAX_SECONDS:
    raise ImproperlyConfigured(f"SECRET_GRACE_SECONDS must be from 0 to {SECRET_GRACE_MAX_SECONDS} seconds.")

# The longest any token lives: retired signing keys stay published this long.
ACCESS_TOKEN_TTL_MAX = timedelta(seconds=ACCESS_TOKEN_TTL_MAX_SECONDS)
SECRET_GRACE = timedelta(seconds=SECRET_GRACE_SECONDS)

INSTALLED_APPS = [
    "console.apps.ConsoleAdminConfig",  # django.contrib.admin, with the console's sign-in policy
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "console",
    "scopes",
    "oauthapps",
    "audit",
]

MIDDLEWARE = [
    "console.request_log.RequestLogMiddleware",
    "console.db_unavailable.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "console.security_headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "console.session_limits.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "console.middleware.CurrentAccountMiddleware",
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
                "console.context_processors.tenancy",
            ],
        },
    },
]

# Persistent connections pay off in gunicorn's long-lived workers. The development server
# (DEBUG) runs each request in a new thread: a persistent connection per thread only
# piles up idle connections until PostgreSQL refuses clients, so development closes them.
DB_CONN_MAX_AGE = _env_int("DB_CONN_MAX_AGE", 0 if DEBUG else 600)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=DB_CONN_MAX_AGE,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with a health check that skips its round trip on a quiet connection.
    DATABASES["default"]["ENGINE"] = "console.postgresql"
if DATABASES["default"]["ENGINE"] == "console.postgresql" and _env_bool("DB_SERVER_SIDE_BINDING", True):
    # Server-side parameters let psycopg prepare the statements a connection runs often
    # (after 5 runs): PostgreSQL then plans the token path's queries once per connection
    # instead of once per request (docs/performance.md). Off for PgBouncer in transaction
    # mode before 1.21, which cannot keep prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    _redis_options = {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5}
    CACHES = {
        # The default cache is an optimisation only: a Redis outage must not fail requests.
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {**_redis_options, "IGNORE_EXCEPTIONS": True},
        },
        # Rate limits see Redis errors, so that they can fall back to local limits.
        "throttle": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": _redis_options,
        },
        # Used DPoP proofs (oauthapps/server/dpop_proofs.py): it sees Redis errors, so that the
        # database can remember them instead.
        "dpop-proofs": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": _redis_options,
        },
        # Every process's copy of the token revocations (oauthapps/server/revocations.py): it sees
        # Redis errors, so that checks can ask PostgreSQL instead.
        "revocations": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": _redis_options,
        },
    }
else:
    # No "throttle" cache: without Redis each rate limit counts in its own bounded store
    # in memory (console/throttling.py), so that one limit's keys cannot evict another's.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    }

# Rate limits, "requests/seconds". 429 with Retry-After when exceeded.
# Tokens issued to one client (counted after it authenticated: nobody else can use it up).
THROTTLE_TOKEN_PER_CLIENT = os.environ.get("THROTTLE_TOKEN_PER_CLIENT", "300/60")
# Tokens a client revokes (RFC 7009), counted after it authenticated: each is a revocation
# kept until the token's exp, so this bounds how fast one client can grow them.
THROTTLE_REVOKE_PER_CLIENT = os.environ.get("THROTTLE_REVOKE_PER_CLIENT", "300/60")
THROTTLE_TOKEN_PER_IP = os.environ.get("THROTTLE_TOKEN_PER_IP", "1200/60")
# Failed client authentications (token, introspection, revocation), per source address
# for one client and per source address for any (oauthapps/server/client_limits.py).
THROTTLE_CLIENT_AUTH_FAILURES_PER_CLIENT_IP = os.environ.get(
    "THROTTLE_CLIENT_AUTH_FAILURES_PER_CLIENT_IP", "10/300"
)
THROTTLE_CLIENT_AUTH_FAILURES_PER_IP = os.environ.get("THROTTLE_CLIENT_AUTH_FAILURES_PER_IP", "30/300")
THROTTLE_LOGIN_FAILURES_PER_USER = os.environ.get("THROTTLE_LOGIN_FAILURES_PER_USER", "5/900")
THROTTLE_LOGIN_PER_IP = os.environ.get("THROTTLE_LOGIN_PER_IP", "60/900")
THROTTLE_API_PER_APP = os.environ.get("THROTTLE_API_PER_APP", "1200/60")
# Argon2 checks running at once per process (each holds ~100 MiB for a moment), and how
# long a sign-in waits for one before it is told to try again (console/signin.py).
# The device cookie a browser gets at each sign-in (console/devices.py): failures from it
# count against it alone, so strangers' failures never lock out its owner. Kept at sign-out.
SIGN_IN_DEVICE_COOKIE_NAME = os.environ.get("SIGN_IN_DEVICE_COOKIE_NAME", "console_device")
SIGN_IN_DEVICE_COOKIE_AGE = timedelta(seconds=_env_int("SIGN_IN_DEVICE_COOKIE_AGE_SECONDS", 365 * 86400))
PASSWORD_CHECKS_AT_ONCE = _env_int("PASSWORD_CHECKS_AT_ONCE", 2)
PASSWORD_CHECK_WAIT = timedelta(seconds=_env_int("PASSWORD_CHECK_WAIT_SECONDS", 5))

AUTH_USER_MODEL = "console.User"
AUTHENTICATION_BACKENDS = ["console.backends.EmailBackend"]
# Argon2 for console passwords (docs/architecture.md); client secrets use a fast keyed digest instead.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "console:login"
# Console sessions end after SESSION_IDLE_TIMEOUT without a request, and SESSION_MAX_AGE
# after sign-in however busy they are (console/session_limits.py). Rotating a secret or
# deleting an app asks for the password again when the last sign-in (or confirmation) is
# older than REAUTH_MAX_AGE (console/reauth.py).
SESSION_IDLE_TIMEOUT_SECONDS = _env_int("SESSION_IDLE_TIMEOUT_SECONDS", 1800)
SESSION_MAX_AGE_SECONDS = _env_int("SESSION_MAX_AGE_SECONDS", 43200)
REAUTH_MAX_AGE_SECONDS = _env_int("REAUTH_MAX_AGE_SECONDS", 600)
if min(SESSION_IDLE_TIMEOUT_SECONDS, SESSION_MAX_AGE_SECONDS, REAUTH_MAX_AGE_SECONDS) <= 0:
    raise ImproperlyConfigured(
        "SESSION_IDLE_TIMEOUT_SECONDS, SESSION_MAX_AGE_SECONDS and REAUTH_MAX_AGE_SECONDS must be > 0."
    )
SESSION_IDLE_TIMEOUT = timedelta(seconds=SESSION_IDLE_TIMEOUT_SECONDS)
SESSION_MAX_AGE = timedelta(seconds=SESSION_MAX_AGE_SECONDS)
REAUTH_MAX_AGE = timedelta(seconds=REAUTH_MAX_AGE_SECONDS)
# The cookie and the session row last no longer than the session may (`clearsessions`
# then deletes the row): Django's default is 14 days.
SESSION_COOKIE_AGE = SESSION_MAX_AGE_SECONDS
LOGIN_REDIRECT_URL = "oauthapps:list"
LOGOUT_REDIRECT_URL = "console:login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# The console's way of writing dates, also where a page does not choose one (Django admin).
FORMAT_MODULE_PATH = ["console.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security headers and cookies; HTTPS-only parts switch on with SECURE_COOKIES / HSTS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = _env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe these over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = _env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
if os.environ.get("SECURE_PROXY_SSL_HEADER") == "X-Forwarded-Proto":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", [])
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

REST_FRAMEWORK = {
    # API views declare Bearer authentication and catalog permissions themselves.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_THROTTLE_CLASSES": ["console.throttling.PerAppThrottle"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Twilio's error body and the RFC 6750 challenges, for every DRF view.
    "EXCEPTION_HANDLER": "console.api_errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%SZ",  # Twilio's ISO 8601, whole seconds, UTC
}

SPECTACULAR_SETTINGS = {
    "TITLE": "OAuth apps: IAM, Monitor and token APIs",
    "DESCRIPTION": (
        "Twilio-compatible IAM v1 (OAuth apps) and Monitor v1 (Events) APIs, and the OAuth 2.0 token "
        "endpoint (client credentials). Get a token from POST /v2/token, then send "
        "'Authorization: Bearer <token>'."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "console.openapi.postprocess",
        "oauthapps.api.openapi.add_token_endpoint",
    ],
    # Docs assets come from drf-spectacular-sidecar (static files), never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOG_FORMAT = os.environ.get("LOG_FORMAT") or ("text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Records that carry secrets at DEBUG, whatever level these loggers are later given:
    # django.template logs a failed variable lookup with the whole context (a one-time
    # secret page included).
    "filters": {
        "drop_debug": {
            "()": "django.utils.log.CallbackFilter",
            "callback": lambda record: record.levelno > logging.DEBUG,
        },
        "drop_query_strings": {"()": "console.log_format.DropQueryStrings"},
    },
    "formatters": {
        "json": {"()": "console.log_format.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    # Every line this process writes loses its query strings (console/log_format.py).
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["drop_query_strings"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.template": {"filters": ["drop_debug"]},
        # Our own one-line-per-request log replaces Django's and runserver's.
        # runserver still reports 4xx and 5xx, through our handler (Django's own prints the
        # request line with its query string).
        "django.server": {"level": "WARNING", "handlers": ["console"], "propagate": False},
        "django.request": {"level": "ERROR"},
    },
}

# The gateway check knows Twilio's hosts (api.twilio.com -> "api"); any other host picks no API
# unless listed here: "gw.example.com=api,events.internal=monitor".
SCOPES_HOST_ALIASES = dict(item.split("=", 1) for item in _env_list("SCOPES_HOST_ALIASES", []) if "=" in item)

# Audit events older than this are deleted by `manage.py audit_purge` (13 months).
AUDIT_RETENTION_DAYS = _env_int("AUDIT_RETENTION_DAYS", 396)
# Console audit downloads are written here in the background, then downloaded (audit/exports.py).
# Every web process must see the same directory (one host, or a shared volume); files older
# than AUDIT_EXPORT_KEEP_HOURS are removed when the next export starts.
AUDIT_EXPORT_DIR = Path(os.environ.get("AUDIT_EXPORT_DIR") or BASE_DIR / "var" / "audit-exports")
AUDIT_EXPORT_KEEP_HOURS = _env_int("AUDIT_EXPORT_KEEP_HOURS", 24)

# Proxies (CIDRs) whose X-Forwarded-For is believed: the client address every per-IP limit,
# the audit and /metrics see is the rightmost hop not in these networks (console/actors.py).
# Empty: X-Forwarded-For is ignored and the peer address is the client's.
TRUSTED_PROXIES = _env_list("TRUSTED_PROXIES", [])
try:
    for _cidr in TRUSTED_PROXIES:
        ipaddress.ip_network(_cidr, strict=False)
except ValueError as exc:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES must be comma-separated CIDRs: {exc}") from exc

# /metrics: a bearer token when set, otherwise only these client networks.
METRICS_BEARER_TOKEN = os.environ.get("METRICS_BEARER_TOKEN", "")
METRICS_ALLOWED_NETWORKS = _env_list("METRICS_ALLOWED_NETWORKS", ["127.0.0.1/32", "::1/128"])

BOOTSTRAP_ACCOUNT_NAME = os.environ.get("BOOTSTRAP_ACCOUNT_NAME", "Default account")
ADMIN_EMAIL = os.environ.get("ADMIN_EMAIL", "")
ADMIN_PASSWORD = os.environ.get("ADMIN_PASSWORD", "")
