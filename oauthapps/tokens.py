"""JWT access tokens (RFC 9068 profile): claims, signing, verification and the JWKS."""

import uuid
from collections.abc import Iterable
from datetime import datetime

import jwt
from django.conf import settings
from django.utils import timezone

from oauthapps.models import OAuthApp
from oauthapps.signing_keys import signing_key_active, signing_keys_published

TOKEN_TYPE_HEADER = "at+jwt"  # RFC 9068 §2.1


class InvalidAccessToken(Exception):
    """The token is malformed, not signed by a published key, expired or not yet valid."""


def access_token_claims(
    *, app: OAuthApp, scopes: Iterable[str], audience: str | None, issued_at: datetime
) -> dict:
    """The token lives for the app's Token expiration time as it is now: a later change to
    the app changes new tokens only."""
    iat = int(issued_at.timestamp())
    return {
        "iss": settings.OAUTH_ISSUER,
        "sub": app.client_id,
        "aud": audience or settings.TOKEN_AUDIENCES[0],
        "client_id": app.client_id,
        "account_sid": app.account.sid,
        "scope": " ".join(scopes),
        "iat": iat,
        "nbf": iat,
        "exp": iat + app.access_token_ttl,
        "jti": uuid.uuid4().hex,
    }


def access_token_sign(claims: dict) -> str:
    key = signing_key_active()
    return jwt.encode(
        claims, key.private_key, algorithm=key.algorithm, headers={"kid": key.kid, "typ": TOKEN_TYPE_HEADER}
    )


def access_token_verify(token: str, *, audience: str | None = None) -> dict:
    """Verify signature, issuer and lifetime locally; the caller checks revocation if it must."""
    try:
        header = jwt.get_unverified_header(token)
        key = signing_keys_published().get(header.get("kid", ""))
        if key is None:
            raise InvalidAccessToken("The token was not signed by a key of this server.")
        return jwt.decode(
            token,
            key.public_key,
            algorithms=[key.algorithm],
            issuer=settings.OAUTH_ISSUER,
            audience=audience,
            leeway=settings.TOKEN_CLOCK_LEEWAY_SECONDS,
            options={"verify_aud": audience is not None, "require": ["exp", "iat", "iss", "sub", "jti"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidAccessToken(str(exc)) from exc


def generate_access_token(request) -> str:
    """django-oauth-toolkit's ACCESS_TOKEN_GENERATOR hook: sign a JWT for ``request.client``.

    The claims are kept on the oauthlib request so that the stored token row gets the very
    same expiry as the ``exp`` inside the token.
    """
    claims = access_token_claims(
        app=request.client,
        scopes=request.scopes or [],
        audience=getattr(request, "audience", None),
        issued_at=timezone.now(),
    )
    request.jwt_claims = claims
    return access_token_sign(claims)


def jwks() -> dict:
    signing_key_active()  # a fresh installation publishes its first key before issuing
    return {"keys": [key.public_jwk for key in signing_keys_published().values()]}
