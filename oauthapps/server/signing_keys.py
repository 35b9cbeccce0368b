"""JWT signing keys: creation, retirement, and a per-process cache of the loaded keys.

Private keys are stored as PKCS#8 PEM encrypted under a key derived from SECRET_KEY
(SECRET_KEY_FALLBACKS are tried on load, so SECRET_KEY can rotate). The cache is refreshed
every KEY_CACHE_SECONDS so that a key created or retired by another process is picked up.
"""

import base64
import hashlib
import json
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from oauthapps.models import SigningKey
from oauthapps.server.jwt_rules import DEFAULT_ALGORITHMS

# The algorithms this server signs with are the ones every verifier accepts by default.
SUPPORTED_ALGORITHMS = DEFAULT_ALGORITHMS
KEY_CACHE_SECONDS = 30.0
# pg_advisory_xact_lock key of "create the first active key" (any constant no other code uses).
ACTIVE_KEY_CREATION_LOCK = 0x0A07_5167_4B45_5901


@dataclass(frozen=True)
class LoadedKey:
    kid: str
    algorithm: str
    private_key: object
    public_key: object
    public_jwk: dict
    retired: bool


def _password(secret_key: str) -> bytes:
    return hashlib.sha256(b"oauthapps.signing-key:" + secret_key.encode()).digest()


def _generate_private_key(algorithm: str):
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(
        f"Unsupported signing algorithm {algorithm!r}; use one of {', '.join(SUPPORTED_ALGORITHMS)}."
    )


def _public_jwk(public_key, algorithm: str) -> tuple[str, dict]:
    jwk = json.loads(jwt.algorithms.get_default_algorithms()[algorithm].to_jwk(public_key))
    members = {k: jwk[k] for k in sorted(jwk) if k in {"crv", "e", "kty", "n", "x", "y"}}
    # RFC 7638 thumbprint as the kid: stable, and unique per key.
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
    return kid, {**members, "kid": kid, "alg": algorithm, "use": "sig"}


@transaction.atomic
def signing_key_create(*, algorithm: str | None = None) -> SigningKey:
    algorithm = algorithm or settings.JWT_SIGNING_ALGORITHM
    private_key = _generate_private_key(algorithm)
    kid, jwk = _public_jwk(private_key.public_key(), algorithm)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_password(settings.SECRET_KEY)),
    ).decode()
    key = SigningKey.objects.create(kid=kid, algorithm=algorithm, private_key_pem=pem, public_jwk=jwk)
    signing_keys_forget()
    return key


def signing_key_retire(*, kid: str) -> SigningKey:
    key = SigningKey.objects.get(kid=kid)
    if key.retired_at is None:
        key.retired_at = timezone.now()
        key.save(update_fields=["retired_at"])
    signing_keys_forget()
    return key


def _load_private(pem: str):
    for secret_key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        try:
            return serialization.load_pem_private_key(pem.encode(), password=_password(secret_key))
        except ValueError:
            continue
    raise ValueError("A signing key cannot be decrypted with SECRET_KEY or SECRET_KEY_FALLBACKS.")


def _published_keys() -> list[SigningKey]:
    """Keys whose tokens may still be live: unretired, or retired less than the longest Token
    expiration time an app can have ago (each app picks its own, up to 30 days)."""
    oldest_live = timezone.now() - settings.ACCESS_TOKEN_TTL_MAX - timedelta(minutes=5)
    return list(SigningKey.objects.exclude(retired_at__lt=oldest_live))


class _KeyCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded_at = 0.0
        self._keys: dict[str, LoadedKey] = {}
        self._private_cache: dict[str, object] = {}

    def forget(self) -> None:
        with self._lock:
            self._loaded_at = 0.0

    def keys(self) -> dict[str, LoadedKey]:
        if time.monotonic() - self._loaded_at < KEY_CACHE_SECONDS and self._keys:
            return self._keys
        with self._lock:
            loaded = {}
            for record in _published_keys():
                private = self._private_cache.get(record.kid)
                if private is None:
                    private = self._private_cache[record.kid] = _load_private(record.private_key_pem)
                loaded[record.kid] = LoadedKey(
                    kid=record.kid,
                    algorithm=record.algorithm,
                    private_key=private,
                    public_key=private.public_key(),
                    public_jwk=record.public_jwk,
                    retired=record.retired_at is not None,
                )
            self._keys = loaded
            self._loaded_at = time.monotonic()
            return loaded


_cache = _KeyCache()


def signing_keys_forget() -> None:
    _cache.forget()


def signing_keys_published() -> dict[str, LoadedKey]:
    return _cache.keys()


# Threads of one process wait here; processes wait on the database's lock below.
_creation_lock = threading.Lock()


def _lock_active_key_creation() -> None:
    """Hold the cross-process creation lock until the transaction ends. On PostgreSQL an
    advisory lock; SQLite serialises writers itself only at the insert, which the in-process
    lock covers for its usual single-process (runserver) use."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ACTIVE_KEY_CREATION_LOCK])


def signing_key_ensure_active() -> None:
    """Create a key unless one is active: one locked operation, so that every worker finding
    no active key (a fresh installation, the only key retired) ends up with the same one."""
    with _creation_lock, transaction.atomic():
        _lock_active_key_creation()
        # Read after the lock: READ COMMITTED sees a key another worker committed meanwhile.
        if not SigningKey.objects.filter(retired_at__isnull=True).exists():
            signing_key_create()
    signing_keys_forget()


def signing_key_active() -> LoadedKey:
    """The newest unretired key; one is created on first use of a fresh installation."""
    active = [key for key in _cache.keys().values() if not key.retired]
    if not active:
        signing_key_ensure_active()
        active = [key for key in _cache.keys().values() if not key.retired]
    return active[0]
