"""JWT access tokens (RFC 9068 profile): claims, signing, verification and the JWKS."""

import uuid
from collections.abc import Iterable
from datetime import datetime

import jwt
from django.conf import settings

from oauthapps.models import OAuthApp
from oauthapps.server.jwt_rules import TOKEN_TYPE_HEADER, InvalidToken, verify_access_token
from oauthapps.server.signing_keys import signing_key_active, signing_keys_published

# The one exception of every verifier (oauthapps.server.jwt_rules), under the name the server uses.
InvalidAccessToken = InvalidToken


def access_token_claims(
    *,
    app: OAuthApp,
    secret_tag: str | None,
    scopes: Iterable[str],
    audience: str | None,
    issued_at: datetime,
    cnf: dict | None = None,
) -> dict:
    """The token lives for the app's Token expiration time as it is now: a later change to
    the app changes new tokens only. ``secret_tag`` names the secret that obtained it
    (``ClientSecret.token_tag``): revoking that secret revokes the token
    (oauthapps/server/revocations.py). ``cnf`` (RFC 7800) binds the token to a key, when
    the token request proved one (``TokenBinding``, oauthapps/server/grant.py)."""
    iat = int(issued_at.timestamp())
    claims = {
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
        "secret_tag": secret_tag,
    }
    if cnf is not None:
        claims["cnf"] = cnf
    return claims


def access_token_sign(claims: dict) -> str:
    key = signing_key_active()
    return jwt.encode(
        claims, key.private_key, algorithm=key.algorithm, headers={"kid": key.kid, "typ": TOKEN_TYPE_HEADER}
    )


def access_token_verify(token: str, *, audience: str | None = None) -> dict:
    """Verify the token by the rules of ``oauthapps.server.jwt_rules`` against this server's published
    keys; the caller checks revocation if it must."""
    return access_token_verify_keyed(token, audience=audience)[0]


def access_token_verify_keyed(token: str, *, audience: str | None = None) -> tuple[dict, str]:
    """``access_token_verify``, with the ``kid`` of the key that verified the token (its
    header is parsed once, by the verifier)."""
    used: list[str] = []

    def key_for(kid: str) -> tuple[object, str]:
        used.append(kid)
        return _published_key(kid)

    claims = verify_access_token(
        token,
        key_for=key_for,
        issuer=settings.OAUTH_ISSUER,
        audience=audience,
        leeway_seconds=settings.TOKEN_CLOCK_LEEWAY_SECONDS,
    )
    return claims, used[0]


def _published_key(kid: str) -> tuple[object, str]:
    key = signing_keys_published().get(kid)
    if key is None:
        raise InvalidAccessToken("The token was not signed by a key of this server.")
    return key.public_key, key.algorithm


def jwks() -> dict:
    signing_key_active()  # a fresh installation publishes its first key before issuing
    return {"keys": [key.public_jwk for key in signing_keys_published().values()]}
