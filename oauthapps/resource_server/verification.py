"""Verify an access token locally: the JWKS signature, then the RFC 9068 claims."""

from collections.abc import Iterable
from dataclasses import dataclass

from oauthapps.resource_server.keys import JwksKeys, UnknownKey
from oauthapps.server.jwt_rules import (
    DEFAULT_ALGORITHMS,
    InvalidToken,
    check_algorithms,
    verify_access_token,
)

# Clocks of different hosts differ by a few seconds (the server's TOKEN_CLOCK_LEEWAY_SECONDS).
DEFAULT_LEEWAY_SECONDS = 10.0

__all__ = ["DEFAULT_ALGORITHMS", "DEFAULT_LEEWAY_SECONDS", "InvalidToken", "TokenVerifier", "VerifiedToken"]


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
        self.algorithms = check_algorithms(algorithms)
        self.keys = keys
        self.issuer = issuer
        self.audience = audience if isinstance(audience, str) else list(audience)
        self.leeway_seconds = leeway_seconds

    def verify(self, token: str) -> VerifiedToken:
        """Raise InvalidToken unless ``token`` is a live access token of our issuer for our audience
        (the rules of ``oauthapps.server.jwt_rules``, the server's own); JwksUnavailable when the keys
        cannot be had at all."""
        claims = verify_access_token(
            token,
            key_for=self._key,
            issuer=self.issuer,
            audience=self.audience,
            leeway_seconds=self.leeway_seconds,
            algorithms=self.algorithms,
        )
        return VerifiedToken(claims=claims)

    def _key(self, kid: str) -> tuple[object, str]:
        try:
            key = self.keys.key_for(kid)
        except UnknownKey as exc:
            raise InvalidToken(str(exc)) from exc
        return key.key, key.algorithm_name
