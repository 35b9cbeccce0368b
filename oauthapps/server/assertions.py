"""Client assertions (RFC 7523 §2.2): proving an app's identity with a signed JWT, not a secret.

Two kinds of assertion authenticate an app whose ``token_endpoint_auth_method`` is
``private_key_jwt``:

- **its own** (``iss`` = ``sub`` = its Client ID), signed with one of the keys it registered
  (``jwks``, or at its ``jwks_uri``). Single-use: its ``jti`` is remembered until its
  ``exp`` and a second presentation is refused. It may live at most MAX_ASSERTION_LIFETIME
  (plus the clock leeway): RFC 7523 §3 asks for a limited lifetime, and authlib's default
  (``exp`` = ``iat`` + 3600) is the longest we meet.
- **a platform's** (workload identity federation): a JWT that an external OIDC issuer (a CI
  job's token, a Kubernetes service account token) signed, matching one of the app's
  ``federated_credentials`` exactly: ``iss`` is its issuer, ``sub`` its subject, ``aud``
  holds one of its audiences, and every claim it pins has exactly its value. The issuer's
  keys come from its discovery document (oauthapps/server/key_fetch.py). Platforms hand one
  token to a whole job, which may ask for several access tokens, so such a token may be
  presented again until its ``exp``; it is not single-use.

Only keys of issuers the app registered are ever fetched: an assertion naming any other
``iss`` is refused before any request leaves the server. Every refusal raises
``AssertionRejected`` with a reason for the server's log; the client is told only
``invalid_client`` (RFC 7523 §3.2 leaves it at that).
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django_redis import get_redis_connection

from oauthapps.models import UsedAssertion
from oauthapps.server.jwks import ASSERTION_ALGORITHMS, jwk_thumbprint, usable_keys
from oauthapps.server.key_fetch import KeyFetchError, issuer_jwks, jwks_at

logger = logging.getLogger(__name__)

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
PRIVATE_KEY_JWT = "private_key_jwt"
FEDERATED = "federated"
MAX_ASSERTION_LIFETIME = timedelta(hours=1)
REPLAY_CACHE = "revocations"  # the shared Redis connection, when REDIS_URL is set
REPLAY_PREFIX = "oauthapps:assertion:"


class AssertionRejected(Exception):
    """The assertion does not authenticate the app; the reason is for the server's log only."""


@dataclass(frozen=True)
class AssertionCredential:
    """What an assertion proved: the method, and which key or federated credential."""

    method: str  # PRIVATE_KEY_JWT or FEDERATED
    key_thumbprint: str = ""  # RFC 7638, of the app's key that verified it
    issuer: str = ""  # of the federated credential that matched
    subject: str = ""


def unverified_claims(assertion: str) -> dict:
    """The claims of a JWT, unverified: only to choose which app and which keys to check it with."""
    try:
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise AssertionRejected(f"not a JWT ({type(exc).__name__})") from exc
    if not isinstance(claims, dict):
        raise AssertionRejected("the JWT's payload is not an object")
    return claims


# The endpoints a client authenticates at: an assertion may name the one it is sent to.
CLIENT_AUTHENTICATED_ENDPOINTS = ("oauth-token", "oauth-token-v1", "oauth-introspect", "oauth-revoke")


def token_endpoint_audiences() -> list[str]:
    """What a private_key_jwt assertion's ``aud`` may be: the URL of the endpoint it is sent
    to (RFC 7523 §3; authlib's default for the token endpoint) or the issuer identifier
    (RFC 7523bis, draft-ietf-oauth-rfc7523bis). Never the request's own Host: an assertion
    made for another server must not pass here."""
    issuer = settings.OAUTH_ISSUER
    return [issuer, *(issuer + reverse(name) for name in CLIENT_AUTHENTICATED_ENDPOINTS)]


def _header(assertion: str) -> tuple[str, str | None]:
    try:
        header = jwt.get_unverified_header(assertion)
    except jwt.PyJWTError as exc:
        raise AssertionRejected(f"not a JWT ({type(exc).__name__})") from exc
    algorithm, kid = header.get("alg"), header.get("kid")
    if algorithm not in ASSERTION_ALGORITHMS:  # "none" and HMAC among them
        raise AssertionRejected(f"algorithm {str(algorithm)[:20]!r} is not accepted")
    if kid is not None and not isinstance(kid, str):
        raise AssertionRejected("kid is not a string")
    return algorithm, kid


def _verify_with_keys(
    assertion: str, keys: list, *, algorithm: str, kid: str | None, **checks
) -> tuple[dict, dict]:
    """The claims and the JWK that verified the signature, trying the key ``kid`` names or,
    without one, each key fit for ``algorithm``. Raises AssertionRejected; ``LookupError``
    when no key verified the signature (the caller may fetch the keys again)."""
    candidates = [
        (jwk, key)
        for jwk, key, algorithms in keys
        if algorithm in algorithms and (kid is None or jwk.get("kid") == kid)
    ]
    for jwk, key in candidates:
        try:
            return jwt.decode(assertion, key, algorithms=[algorithm], **checks), jwk
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as exc:  # signed by this key, but expired, early, for another audience…
            raise AssertionRejected(f"claims refused: {exc}") from exc
    raise LookupError("no key verified the signature")


def _verify(assertion: str, fetch_keys, **checks) -> tuple[dict, dict]:
    """``_verify_with_keys`` against ``fetch_keys(refresh=False)``; when no key verified, once
    more against ``fetch_keys(refresh=True)`` (a rotation; key_fetch refetches a URL at most
    once per 30 s), unless that returns None (inline keys: nothing to refetch)."""
    algorithm, kid = _header(assertion)
    try:
        return _verify_with_keys(assertion, fetch_keys(refresh=False), algorithm=algorithm, kid=kid, **checks)
    except LookupError:
        pass
    except KeyFetchError as exc:
        raise AssertionRejected(f"keys unavailable: {exc}") from exc
    try:
        refetched = fetch_keys(refresh=True)
        if refetched is None:
            raise LookupError("no key to refetch")
        return _verify_with_keys(assertion, refetched, algorithm=algorithm, kid=kid, **checks)
    except LookupError as exc:
        raise AssertionRejected(f"no registered key verifies it (kid {kid!r})") from exc
    except KeyFetchError as exc:
        raise AssertionRejected(f"no cached key verifies it and keys were not refetched: {exc}") from exc


def _app_keys(app):
    def fetch(*, refresh: bool) -> list | None:
        if app.jwks:
            return None if refresh else usable_keys(app.jwks)
        if app.jwks_uri:
            return usable_keys(jwks_at(app.jwks_uri, refresh=refresh))
        raise KeyFetchError("the app registered no keys")

    return fetch


def private_key_jwt_verify(app, assertion: str) -> AssertionCredential:
    """RFC 7523 §3 for an app's own assertion: signed by one of its keys, ``iss`` = ``sub`` =
    its Client ID, ``aud`` this server's token endpoint or issuer, unexpired, at most an
    hour long, and never seen before (its ``jti``)."""
    leeway = settings.TOKEN_CLOCK_LEEWAY_SECONDS
    claims, jwk = _verify(
        assertion,
        _app_keys(app),
        audience=token_endpoint_audiences(),
        issuer=app.client_id,
        leeway=leeway,
        options={"require": ["exp", "iss", "sub", "aud", "jti"]},
    )
    if claims["sub"] != app.client_id:
        raise AssertionRejected("sub is not the Client ID")
    jti = claims["jti"]
    if not isinstance(jti, str) or not jti or len(jti) > 500:
        raise AssertionRejected("jti is not a string of 1 to 500 characters")
    now = datetime.now(tz=UTC).timestamp()
    born = claims.get("iat", now)
    if (
        not isinstance(born, int | float)
        or claims["exp"] - born > MAX_ASSERTION_LIFETIME.total_seconds() + leeway
    ):
        raise AssertionRejected("the assertion lives longer than an hour")
    until = datetime.fromtimestamp(claims["exp"] + leeway, tz=UTC)
    if not assertion_use_once(client_id=app.client_id, jti=jti, until=until):
        raise AssertionRejected("replayed: this jti was used before")
    return AssertionCredential(method=PRIVATE_KEY_JWT, key_thumbprint=jwk_thumbprint(jwk))


def federated_verify(app, assertion: str) -> AssertionCredential:
    """Workload identity federation: a platform's JWT that matches one of the app's
    ``federated_credentials`` and is signed by a key of that issuer."""
    issuer = unverified_claims(assertion).get("iss")
    credentials = [c for c in app.federated_credentials or [] if c.get("issuer") == issuer]
    if not credentials:
        raise AssertionRejected("iss matches none of the app's federated credentials")
    audiences = sorted({audience for credential in credentials for audience in credential["audiences"]})
    claims, _jwk = _verify(
        assertion,
        lambda *, refresh: usable_keys(issuer_jwks(issuer, refresh=refresh)),
        audience=audiences,
        issuer=issuer,
        leeway=settings.TOKEN_CLOCK_LEEWAY_SECONDS,
        options={"require": ["exp", "iss", "sub", "aud"]},
    )
    for credential in credentials:
        if _matches(credential, claims):
            return AssertionCredential(method=FEDERATED, issuer=issuer, subject=credential["subject"])
    raise AssertionRejected("sub, aud or a pinned claim matches none of the issuer's federated credentials")


def _matches(credential: dict, claims: dict) -> bool:
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    return (
        claims["sub"] == credential["subject"]
        and any(audience in credential["audiences"] for audience in audiences)
        and all(claims.get(name) == value for name, value in (credential.get("claims") or {}).items())
    )


def assertion_use_once(*, client_id: str, jti: str, until: datetime) -> bool:
    """Record an assertion's ``jti`` as used until ``until``; False when it already was.
    Redis (SET NX) when REDIS_URL is set; when Redis is not set or fails, the database
    (a unique key). A replay across a Redis outage is possible only for an assertion first
    used just before it, within that assertion's remaining lifetime (at most an hour)."""
    key = f"{client_id}:{hashlib.sha256(jti.encode('utf-8')).hexdigest()}"
    if REPLAY_CACHE in settings.CACHES:
        try:
            redis = get_redis_connection(REPLAY_CACHE)
            return bool(redis.set(REPLAY_PREFIX + key, 1, nx=True, exat=int(until.timestamp()) + 1))
        except Exception as exc:  # noqa: BLE001  (any Redis failure: the database answers)
            logger.warning(
                "Assertion replay check uses the database: Redis unavailable (%s)", type(exc).__name__
            )
    return _use_once_in_database(key, until)


def _use_once_in_database(key: str, until: datetime) -> bool:
    try:
        with transaction.atomic():
            UsedAssertion.objects.create(key=key, until=until)
    except IntegrityError:
        return False
    return True
