"""Is this access token good right now? Signature and lifetime locally, then the token row.

The row lookup (by SHA-256 checksum, unique index) is what makes revocation and app
deletion take effect at once for every server that asks us.
"""

from dataclasses import dataclass

from oauthapps.models import OAuthApp
from oauthapps.token_rows import live_token
from oauthapps.tokens import InvalidAccessToken, access_token_verify


@dataclass(frozen=True)
class TokenGrant:
    """A verified, live access token: the app it was issued to and what it may do.

    ``app`` is loaded only by callers that need the whole app (the IAM and Monitor APIs);
    the gateway check and introspection make do with the ids.
    """

    app_id: int
    account_id: int
    client_id: str
    claims: dict
    scopes: frozenset[str]
    app: OAuthApp | None = None

    @property
    def account_sid(self) -> str:
        return self.claims["account_sid"]


def token_check(token: str) -> TokenGrant:
    """Raise InvalidAccessToken unless ``token`` is signed by us, unexpired, not revoked and
    its app still exists."""
    claims = access_token_verify(token)
    row = live_token(token)
    if row is None:
        raise InvalidAccessToken("The token was revoked, or its app was deleted.")
    return TokenGrant(
        app_id=row.app_id,
        account_id=row.account_id,
        client_id=row.client_id,
        claims=claims,
        scopes=frozenset(claims.get("scope", "").split()),
    )
