"""The server's acceptance of DPoP proofs: checked by the rules of oauthapps/server/dpop.py
with this server's settings, and each accepted once (RFC 9449 §11.1): its ``jti``, per key,
is remembered while its ``iat`` is in the accepted window.

With ``REDIS_URL`` set, one ``SET NX`` with an expiry answers (shared by every process).
Without it (SQLite, ``make run``), or while Redis is away, a row of ``DPoPProofUse`` does:
its unique key refuses a second insert in any process. A proof first used through Redis
and replayed through the database during a Redis outage would pass twice; the window is
a minute, and refusing every DPoP request while Redis is away would be worse.
"""

import hashlib
import logging
import time
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django_redis import get_redis_connection

from oauthapps.models import DPoPProofUse
from oauthapps.server.dpop import InvalidProof, Proof, b64url, proof_remembered_until, proof_verify

logger = logging.getLogger(__name__)

SHARED_CACHE = "dpop-proofs"
REDIS_PREFIX = "oauthapps:dpop:"
RETRY_REDIS_AFTER_SECONDS = 5.0


def proof_key(proof: Proof) -> str:
    """One fixed-length name per (key, jti): jtis of two keys never collide."""
    return hashlib.sha256(f"{proof.jkt}:{proof.jti}".encode()).hexdigest()


class _ProofMemory:
    def __init__(self) -> None:
        self._redis_down_until = 0.0

    def first_use(self, proof: Proof) -> bool:
        """Record the proof; False when it was recorded before (a replay)."""
        until = proof_remembered_until(
            proof,
            max_age_seconds=settings.DPOP_PROOF_MAX_AGE_SECONDS,
            leeway_seconds=settings.TOKEN_CLOCK_LEEWAY_SECONDS,
        )
        key = proof_key(proof)
        if SHARED_CACHE in settings.CACHES and time.monotonic() >= self._redis_down_until:
            try:
                redis = get_redis_connection(SHARED_CACHE)
                return bool(redis.set(REDIS_PREFIX + key, 1, nx=True, exat=until))
            except Exception as exc:  # noqa: BLE001  (any Redis failure: the database remembers)
                self._redis_down_until = time.monotonic() + RETRY_REDIS_AFTER_SECONDS
                logger.warning(
                    "DPoP proofs are remembered in the database: Redis unavailable (%s)", type(exc).__name__
                )
        return _first_use_in_database(key, datetime.fromtimestamp(until, tz=UTC))


def _first_use_in_database(key: str, until: datetime) -> bool:
    try:
        with transaction.atomic():
            DPoPProofUse.objects.create(key=key, until=until)
        return True
    except IntegrityError:
        # A row past its ``until`` (not purged yet) no longer counts: take it over.
        return DPoPProofUse.objects.filter(key=key, until__lte=timezone.now()).update(until=until) == 1


proof_memory = _ProofMemory()


def proof_accept(
    proof: str | None,
    *,
    method: str,
    uris: tuple[str, ...],
    access_token: str | None = None,
    with_nonce: bool = False,
) -> Proof:
    """The proof of a request of ``method`` to one of ``uris`` (with ``access_token`` at a
    resource), checked and recorded as used; ``with_nonce``: carrying a current nonce of
    ours (``dpop_nonce``). Raises InvalidProof, for a replay too (NonceRequired for a
    missing or stale nonce)."""
    accepted = proof_verify(
        proof,
        method=method,
        uris=uris,
        access_token=access_token,
        max_age_seconds=settings.DPOP_PROOF_MAX_AGE_SECONDS,
        leeway_seconds=settings.TOKEN_CLOCK_LEEWAY_SECONDS,
        nonce_valid=dpop_nonce_valid if with_nonce else None,
    )
    if not proof_memory.first_use(accepted):
        raise InvalidProof(
            "This DPoP proof was used before; make a new one (with a new jti) for each request."
        )
    return accepted


def request_uris(request) -> tuple[str, ...]:
    """The URLs a proof's ``htu`` may name for a request to this server: the request's own
    URL as it reached Django, and the same path under OAUTH_ISSUER (the address that the
    metadata and the docs give clients, whatever proxy stands in between)."""
    return (request.build_absolute_uri(request.path), settings.OAUTH_ISSUER + request.path)


# RFC 9449 §8 nonces, without state: a nonce names a period of DPOP_PROOF_MAX_AGE_SECONDS and
# carries an HMAC of it under SECRET_KEY, so every process issues and accepts the same ones.
# The current and the previous period's nonce are accepted: a client that just got one keeps
# it for at least one full period.
NONCE_SALT = "oauthapps.dpop.nonce"


def _nonce_of(period: int) -> str:
    mac = salted_hmac(NONCE_SALT, str(period), algorithm="sha256").digest()[:18]
    return f"{period:x}.{b64url(mac)}"


def _period(now: float) -> int:
    return int(now // settings.DPOP_PROOF_MAX_AGE_SECONDS)


def dpop_nonce() -> str:
    """The nonce to send in ``DPoP-Nonce`` now."""
    return _nonce_of(_period(time.time()))


def dpop_nonce_valid(nonce: object) -> bool:
    if not isinstance(nonce, str) or "." not in nonce or len(nonce) > 64:
        return False
    try:
        period = int(nonce.split(".", 1)[0], 16)
    except ValueError:
        return False
    current = _period(time.time())
    return period in (current, current - 1) and constant_time_compare(nonce, _nonce_of(period))
