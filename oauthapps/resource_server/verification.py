"""Verify an access token locally: the JWKS signature, then the RFC 9068 claims."""

from collections.abc import Iterable
from dataclasses import dataclass

import jwt

from oauthapps.resource_server.keys import JwksKeys, UnknownKey

# Only asymmetric algorithms: with HS256 a public key would become a shared secret.
SUPPORTED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)
DEFAULT_ALGORITHMS = ("RS256", "ES256")
ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})  # RFC 9068 §4: not an ID token
# Clocks of different hosts differ by a few seconds (the server's TOKEN_CLOCK_LEEWAY_SECONDS).
DEFAULT_LEEWAY_SECONDS = 10.0
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "jti", "client_id"]


class InvalidToken(Exception):
    """The token is malformed, not signed by a published key, expired, or meant for someone else."""


@dataclass(frozen=True)
class VerifiedToken:
    """A token whose signature and claims checked out. ``scopes`` are its granted permissions."""

    claims: dict

    @property
    def client_id(self) -> str:
        return self.claims["client_id"]

    @property
    def account_sid(self) -> str | None:
        return self.claims.get("account_sid")

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(str(self.claims.get("scope", "")).split())


class TokenVerifier:
    """Verifies tokens of one authorization server for one audience.

    Revocation and app deletion are not seen here (that needs a call to the server: use the
    gateway check or introspection when they must take effect before the token's ``exp``).
    """

    def __init__(
        self,
        *,
        keys: JwksKeys,
        issuer: str,
        audience: str | Iterable[str],
        algorithms: Iterable[str] = DEFAULT_ALGORITHMS,
        leeway_seconds: float = DEFAULT_LEEWAY_SECONDS,
    ) -> None:
        self.algorithms = frozenset(algorithms)
        unsupported = self.algorithms - SUPPORTED_ALGORITHMS
        if unsupported or not self.algorithms:
            raise ValueError(f"Accept only asymmetric JWS algorithms, not {sorted(unsupported) or 'none'}.")
        self.keys = keys
        self.issuer = issuer
        self.audience = audience if isinstance(audience, str) else list(audience)
        self.leeway_seconds = leeway_seconds

    def verify(self, token: str) -> VerifiedToken:
        """Raise InvalidToken unless ``token`` is a live access token of our issuer for our audience;
        JwksUnavailable when the keys cannot be had at all."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"Not a JWT: {exc}") from exc
        key = self._key(header)
        try:
            claims = jwt.decode(
                token,
                key.key,
                # The published key decides the algorithm, never the token's header.
                algorithms=[key.algorithm_name],
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.leeway_seconds,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        return VerifiedToken(claims=claims)

    def _key(self, header: dict) -> jwt.PyJWK:
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in self.algorithms:
            raise InvalidToken(f"Algorithm {algorithm!r} is not accepted.")
        if str(header.get("typ", "")).lower() not in ACCESS_TOKEN_TYPES:
            raise InvalidToken("Not an access token: the JWT typ must be at+jwt (RFC 9068).")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("The token names no signing key (kid).")
        try:
            key = self.keys.key_for(kid)
        except UnknownKey as exc:
            raise InvalidToken(str(exc)) from exc
        if key.algorithm_name != algorithm:
            raise InvalidToken(f"Key {kid!r} is a {key.algorithm_name} key; the token claims {algorithm}.")
        return key
