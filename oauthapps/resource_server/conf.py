"""The service's TokenVerifier, built once from its Django settings (``OAUTH_APPS_*``)."""

import functools

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from oauthapps.resource_server.keys import JwksKeys
from oauthapps.resource_server.verification import DEFAULT_ALGORITHMS, DEFAULT_LEEWAY_SECONDS, TokenVerifier

DEFAULTS = {
    "OAUTH_APPS_AUDIENCE": None,  # None: the issuer, which is what the token endpoint puts in aud by default
    "OAUTH_APPS_ALGORITHMS": DEFAULT_ALGORITHMS,
    # None: TOKEN_CLOCK_LEEWAY_SECONDS when the server's settings have it (one leeway for every
    # verifier), else the helper's own default.
    "OAUTH_APPS_LEEWAY_SECONDS": None,
    "OAUTH_APPS_JWKS_CACHE_SECONDS": 300,
    "OAUTH_APPS_JWKS_REFRESH_INTERVAL_SECONDS": 30,
    "OAUTH_APPS_JWKS_TIMEOUT_SECONDS": 5,
    "OAUTH_APPS_REALM": "api",
    # DPoP (RFC 9449): how long after its iat a proof is accepted (plus the leeway), and the
    # Django cache that remembers used proofs for as long. Use a cache every process of the
    # service shares (Redis, memcached, the database): a per-process one lets a proof replayed
    # to another process through.
    "OAUTH_APPS_DPOP_MAX_AGE_SECONDS": 60,
    "OAUTH_APPS_DPOP_CACHE": "default",
}
REQUIRED = ("OAUTH_APPS_JWKS_URL", "OAUTH_APPS_ISSUER")


def setting(name: str):
    return getattr(settings, name, DEFAULTS.get(name))


def leeway_seconds() -> float:
    leeway = setting("OAUTH_APPS_LEEWAY_SECONDS")
    if leeway is None:
        leeway = getattr(settings, "TOKEN_CLOCK_LEEWAY_SECONDS", DEFAULT_LEEWAY_SECONDS)
    return leeway


@functools.cache
def token_verifier() -> TokenVerifier:
    missing = [name for name in REQUIRED if not setting(name)]
    if missing:
        raise ImproperlyConfigured(
            f"Set {' and '.join(missing)} to accept OAuth apps tokens "
            "(e.g. https://oauth.example.com/.well-known/jwks.json and https://oauth.example.com)."
        )
    issuer = setting("OAUTH_APPS_ISSUER")
    keys = JwksKeys(
        setting("OAUTH_APPS_JWKS_URL"),
        lifespan=setting("OAUTH_APPS_JWKS_CACHE_SECONDS"),
        refresh_interval=setting("OAUTH_APPS_JWKS_REFRESH_INTERVAL_SECONDS"),
        timeout=setting("OAUTH_APPS_JWKS_TIMEOUT_SECONDS"),
    )
    return TokenVerifier(
        keys=keys,
        issuer=issuer,
        audience=setting("OAUTH_APPS_AUDIENCE") or issuer,
        algorithms=setting("OAUTH_APPS_ALGORITHMS"),
        leeway_seconds=leeway_seconds(),
    )


@receiver(setting_changed)
def _forget_token_verifier(**kwargs) -> None:
    # Tests (override_settings, pytest-django's settings fixture) get a verifier for their settings.
    if kwargs["setting"].startswith("OAUTH_APPS_") or kwargs["setting"] == "TOKEN_CLOCK_LEEWAY_SECONDS":
        token_verifier.cache_clear()
