"""Is this access token good right now? Signature and claims locally, then the revocations.

The revocations (oauthapps/server/revocations.py: of the token, of the secret that obtained it, of
its app) are what make revocation and app deletion take effect at once for every server
that asks us. A token issued before revocations replaced token rows carries no
``secret_tag``: it is good only while its row lives (oauthapps/server/token_rows.py).
"""

import threading
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass

from django.conf import settings

from oauthapps.models import OAuthApp
from oauthapps.server.jwt_rules import within_lifetime
from oauthapps.server.revocations import token_revoked
from oauthapps.server.signing_keys import signing_keys_published
from oauthapps.server.token_rows import live_token
from oauthapps.server.tokens import InvalidAccessToken, access_token_verify_keyed

# A service calls with the same token for up to an hour: the signature check of a token
# seen recently is remembered (per process, only successes), the lifetime and the signing
# key are checked again on every call, and the revocations always are.
VERIFIED_CACHE_SIZE = 1024


@dataclass(frozen=True)
class TokenGrant:
    """A verified, live access token: the app it was issued to and what it may do.

    ``app`` is loaded only by callers that need the whole app (the IAM and Monitor APIs);
    the gateway check and introspection make do with the claims.
    """

    claims: dict
    scopes: frozenset[str]
    app: OAuthApp | None = None

    @property
    def client_id(self) -> str:
        return self.claims["client_id"]

    @property
    def account_sid(self) -> str:
        return self.claims["account_sid"]


class _VerifiedTokens:
    """The claims of the last VERIFIED_CACHE_SIZE tokens whose signature checked out."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._claims: OrderedDict[str, tuple[str, dict]] = OrderedDict()
        self._lock = threading.Lock()

    def claims(self, token: str) -> dict:
        with self._lock:
            remembered = self._claims.get(token)
            if remembered is not None:
                self._claims.move_to_end(token)
        if remembered is not None:
            kid, claims = remembered
            leeway = settings.TOKEN_CLOCK_LEEWAY_SECONDS
            if kid in signing_keys_published() and within_lifetime(claims, leeway_seconds=leeway):
                return dict(claims)  # the caller's own copy: the remembered one stays as verified
            self.forget(token)
        claims, kid = access_token_verify_keyed(token)  # raises InvalidAccessToken
        with self._lock:
            self._claims[token] = (kid, dict(claims))
            if len(self._claims) > self.size:
                self._claims.popitem(last=False)
        return claims

    def forget(self, token: str | None = None) -> None:
        with self._lock:
            if token is None:
                self._claims.clear()
            else:
                self._claims.pop(token, None)


def _audience_matches(claims: dict, audiences: Collection[str]) -> bool:
    aud = claims.get("aud")
    named = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    return any(name in audiences for name in named)


verified_tokens = _VerifiedTokens(VERIFIED_CACHE_SIZE)


def token_check(token: str, *, audiences: Collection[str] | None = None) -> TokenGrant:
    """Raise InvalidAccessToken unless ``token`` is signed by us, unexpired, not revoked
    (itself, its secret, or its app by deletion) and, when ``audiences`` are given, its
    ``aud`` names one of them."""
    claims = verified_tokens.claims(token)
    if audiences is not None and not _audience_matches(claims, audiences):
        raise InvalidAccessToken("The token is meant for another audience.")
    if not _live(token, claims):
        raise InvalidAccessToken("The token was revoked, or its app was deleted.")
    return TokenGrant(claims=claims, scopes=frozenset(claims.get("scope", "").split()))


def _live(token: str, claims: dict) -> bool:
    if isinstance(claims.get("secret_tag"), str):
        return not token_revoked(claims)
    # Issued before 0.2.0: its row still decides (and its app's deletion took the row).
    return live_token(token) is not None and not token_revoked({**claims, "secret_tag": ""})
