"""The rows of tokens issued before 0.2.0, which a check of such a token still requires.

Until 0.2.0 every issued token was a row of django-oauth-toolkit's AccessToken table (RFC
9700 storage: only the SHA-256 checksum of the token), linked to the secret that obtained
it (IssuedToken). Tokens are no longer stored (oauthapps/server/revocations.py); a token without
a ``secret_tag`` claim is one of the old ones, good only while its row lives. Once
ACCESS_TOKEN_TTL_MAX_SECONDS has passed since the upgrade, none is left and this module
can go. The lookup is SQL through Django's connection: the ORM spent more time compiling
it than PostgreSQL spent running it (docs/performance.md).
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connections, router
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from oauthapps.models import AppStatus, OAuthApp

AccessToken = get_access_token_model()


def token_checksum(token: str) -> str:
    """The lookup key stored for a token (DOT's TokenChecksumField: SHA-256, hex)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# A token counts while its row exists, has not expired, and its app is active: revoking its
# secret deletes the row, app deletion deletes the app and its rows. Only table names are
# formatted in; values are parameters.
LIVE_SQL = (
    f"SELECT app.id, app.account_id, app.client_id FROM {AccessToken._meta.db_table} token "  # noqa: S608
    f"JOIN {OAuthApp._meta.db_table} app ON app.id = token.application_id "
    "WHERE token.token_checksum = %s AND token.expires > %s AND app.status = %s"
)


def _connection():
    return connections[router.db_for_write(AccessToken)]


@dataclass(frozen=True)
class LiveToken:
    """What the token row says about a live token: whose it is."""

    app_id: int
    account_id: int
    client_id: str


def live_token(token: str) -> LiveToken | None:
    """The live row for ``token``, or None when it is unknown, expired, revoked, or its app
    is gone or disabled."""
    with _connection().cursor() as cursor:
        # The row expires with the token's exp, and with the same clock leeway.
        oldest_live = timezone.now() - timedelta(seconds=settings.TOKEN_CLOCK_LEEWAY_SECONDS)
        cursor.execute(LIVE_SQL, [token_checksum(token), oldest_live, AppStatus.ACTIVE])
        row = cursor.fetchone()
    return LiveToken(*row) if row else None
