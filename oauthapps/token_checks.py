"""Is this access token good right now? Signature and lifetime locally, then the token row.

The row lookup (by SHA-256 checksum, unique index) is what makes revocation and app
deletion take effect at once for every server that asks us.
"""

import hashlib
from dataclasses import dataclass

from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from oauthapps.models import AppStatus, OAuthApp
from oauthapps.tokens import InvalidAccessToken, access_token_verify


@dataclass(frozen=True)
class TokenGrant:
    """A verified, live access token: the app it was issued to and what it may do."""

    app: OAuthApp
    claims: dict
    scopes: frozenset[str]

    @property
    def account_sid(self) -> str:
        return self.claims["account_sid"]


def token_record(token: str):
    """The live token row for ``token`` (with its app and account), or None."""
    checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
    return (
        get_access_token_model()
        .objects.select_related("application__account")
        .filter(token_checksum=checksum, expires__gt=timezone.now())
        .first()
    )


def token_check(token: str) -> TokenGrant:
    """Raise InvalidAccessToken unless ``token`` is signed by us, unexpired, not revoked and
    its app still exists."""
    claims = access_token_verify(token)
    record = token_record(token)
    if record is None or record.application is None or record.application.status != AppStatus.ACTIVE:
        raise InvalidAccessToken("The token was revoked, or its app was deleted.")
    return TokenGrant(
        app=record.application, claims=claims, scopes=frozenset(claims.get("scope", "").split())
    )
