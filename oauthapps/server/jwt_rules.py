"""The one set of rules an access token must pass, wherever it is checked.

The server (``oauthapps.server.tokens``, with its own keys) and the resource-server helper
(``oauthapps.resource_server``, with keys from the JWKS) both verify through
``verify_access_token``, parse ``Authorization`` with ``bearer_token`` and word their
challenges with ``bearer_challenge``. This module needs PyJWT only: no Django, no model,
so the helper can run in a service of its own.
"""

import time
from collections.abc import Callable, Iterable
from typing import Any

import jwt

# Only asymmetric algorithms: with HS256 a public key would become a shared secret.
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)
# What this server signs with (oauthapps.server.signing_keys); every verifier accepts these by default.
DEFAULT_ALGORITHMS = ("RS256", "ES256")
TOKEN_TYPE_HEADER = "at+jwt"  # RFC 9068 §2.1
ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})  # RFC 9068 §4: not an ID token
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub", "jti", "client_id")


class InvalidToken(Exception):
    """The token is malformed, not signed by a published key, expired, or meant for someone else."""


class MalformedAuthorization(InvalidToken):
    """``Authorization: Bearer`` followed by something else than one token."""


# kid -> (verification key, its algorithm); raises InvalidToken for a kid it does not know.
KeyLookup = Callable[[str], tuple[Any, str]]


def check_algorithms(algorithms: Iterable[str]) -> frozenset[str]:
    """The accepted algorithms, refused at configuration time when one is not asymmetric."""
    accepted = frozenset(algorithms)
    unsupported = accepted - ASYMMETRIC_ALGORITHMS
    if unsupported or not accepted:
        raise ValueError(f"Accept only asymmetric JWS algorithms, not {sorted(unsupported) or 'none'}.")
    return accepted


def unverified_header(token: str) -> dict:
    try:
        return jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"Not a JWT: {exc}") from exc


def verify_access_token(
    token: str,
    *,
    key_for: KeyLookup,
    issuer: str,
    audience: str | list[str] | None,
    leeway_seconds: float,
    algorithms: frozenset[str] = frozenset(DEFAULT_ALGORITHMS),
) -> dict:
    """The claims of ``token`` if it is an RFC 9068 access token of ``issuer``, signed by the
    key its ``kid`` names, within its lifetime and, when ``audience`` is given, for it.
    Raises InvalidToken otherwise."""
    header = unverified_header(token)
    algorithm, kid = header.get("alg"), header.get("kid")
    if algorithm not in algorithms:
        raise InvalidToken(f"Algorithm {algorithm!r} is not accepted.")
    if str(header.get("typ", "")).lower() not in ACCESS_TOKEN_TYPES:
        raise InvalidToken("Not an access token: the JWT typ must be at+jwt (RFC 9068).")
    if not isinstance(kid, str) or not kid:
        raise InvalidToken("The token names no signing key (kid).")
    key, key_algorithm = key_for(kid)
    if key_algorithm != algorithm:
        raise InvalidToken(f"Key {kid!r} is a {key_algorithm} key; the token claims {algorithm}.")
    try:
        claims = jwt.decode(
            token,
            key,
            # The published key decides the algorithm, never the token's header.
            algorithms=[key_algorithm],
            issuer=issuer,
            audience=audience,
            leeway=leeway_seconds,
            options={"verify_aud": audience is not None, "require": list(REQUIRED_CLAIMS)},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    # PyJWT checked the lifetime by its own clock; this is the clock every later check of a
    # remembered token uses (``within_lifetime``), so the two can never disagree.
    if not within_lifetime(claims, leeway_seconds=leeway_seconds):
        raise InvalidToken("The token is expired or not yet valid.")
    return claims


def within_lifetime(claims: dict, *, leeway_seconds: float, now: float | None = None) -> bool:
    """The lifetime check ``verify_access_token`` made, with the same leeway, at ``now``."""
    now = time.time() if now is None else now
    not_before = max(claims.get("nbf", 0), claims.get("iat", 0))
    return not_before - leeway_seconds <= now < claims["exp"] + leeway_seconds


def bearer_token(authorization: bytes) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (RFC 6750 §2.1); None when the
    header is absent or another scheme. Raises MalformedAuthorization for ``Bearer`` followed by
    anything but one token, InvalidToken for a token that is not ASCII."""
    parts = authorization.split()
    if not parts or parts[0].lower() != b"bearer":
        return None
    if len(parts) != 2:
        raise MalformedAuthorization("The Authorization header must be 'Bearer <access token>'.")
    try:
        return parts[1].decode("ascii")
    except UnicodeDecodeError:
        raise InvalidToken("The access token is not ASCII.") from None


def bearer_challenge(realm: str, **params: str | None) -> str:
    """The ``WWW-Authenticate`` value of a Bearer resource (RFC 6750 §3): ``realm``, then
    ``params`` in the order given (one whose value is None is left out), each value a
    quoted-string.

    The one builder of the server's APIs, its gateway check and the resource-server helper,
    each passing its own realm. It sits here, beside the one Bearer parser, because this
    module is the one the helper may import (PyJWT only, nothing of the console); the console's
    exception handler, which may import no app above it, builds no challenge at all and sends
    the one the exception carries (``auth_header``), as DRF's own handler does.
    """
    values = {"realm": realm, **params}
    return "Bearer " + ", ".join(
        f"{name}={_quoted_string(value)}" for name, value in values.items() if value is not None
    )


def _quoted_string(value: str) -> str:
    # RFC 9110 §5.6.4: `"` and `\` only as quoted-pairs. RFC 6750 §3 allows printable ASCII
    # in these values; anything else (a CR or LF would end the header) becomes "?".
    printable = "".join(char if " " <= char <= "~" else "?" for char in value)
    return '"' + printable.replace("\\", "\\\\").replace('"', '\\"') + '"'


class TokenPrincipal:
    """``request.user`` for a call made with an app's token: who calls, authenticated.

    ``app`` is the app itself where the caller loaded it (the server's own APIs); a separate
    resource server has only the ids the token carries.
    """

    is_authenticated = True
    is_anonymous = False

    def __init__(self, *, client_id: str, account_sid: str | None, app: object | None = None) -> None:
        self.client_id = client_id
        self.account_sid = account_sid
        self.app = app

    def __str__(self) -> str:
        return self.client_id
