"""The issued-token rows on the hot paths: one short transaction per token, one SELECT per check.

Both are written in SQL on django-oauth-toolkit's AccessToken table, through Django's
connection (its transactions, its test databases, its connection reuse). The ORM spent
more time compiling these statements than PostgreSQL spent running them: about 1 ms of a
2 ms gateway check (docs/performance.md). The rows are the ones the ORM would write: RFC
9700 storage, so the ``token`` column stays empty and only the SHA-256 checksum of the
token is kept. Each token row is linked to the secret that obtained it (IssuedToken), so
that revoking a secret revokes its tokens.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from oauthapps.models import AppStatus, ClientSecret, IssuedToken, OAuthApp

AccessToken = get_access_token_model()


def token_checksum(token: str) -> str:
    """The lookup key stored for a token (DOT's TokenChecksumField: SHA-256, hex)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _sql(template: str) -> str:
    return template.format(
        token=AccessToken._meta.db_table,
        app=OAuthApp._meta.db_table,
        secret=ClientSecret._meta.db_table,
        link=IssuedToken._meta.db_table,
    )


class TokenIssuerGone(Exception):
    """The app was deleted, or the secret that authenticated the request was revoked or
    lapsed, after the client authenticated and before its token was recorded."""


# FOR KEY SHARE on the app row: rotation, revocation and deletion all begin by locking it
# FOR UPDATE (oauthapps/services.py), so a token is recorded either wholly before one of
# them starts (and is seen by its revocation) or after it committed (and sees it). Token
# requests do not block one another: KEY SHARE locks do not conflict.
LOCK_APP_SQL = _sql("SELECT 1 FROM {app} WHERE id = %s AND status = %s")
SECRET_VALID_SQL = _sql(
    "SELECT 1 FROM {secret} WHERE id = %s AND app_id = %s AND revoked_at IS NULL "
    "AND (expires_at IS NULL OR expires_at > %s)"
)
INSERT_SQL = _sql(
    "INSERT INTO {token} (token, token_checksum, expires, scope, resource, application_id, created, updated) "
    "VALUES ('', %s, %s, %s, %s, %s, %s, %s) RETURNING id"
)
LINK_SQL = _sql("INSERT INTO {link} (access_token_id, secret_id) VALUES (%s, %s)")

# A token counts while its row exists, has not expired, and its app is active: revocation
# deletes the row, app deletion deletes the app and its rows.
LIVE_SQL = _sql(
    "SELECT app.id, app.account_id, app.client_id FROM {token} token "
    "JOIN {app} app ON app.id = token.application_id "
    "WHERE token.token_checksum = %s AND token.expires > %s AND app.status = %s"
)


def _connection():
    return connections[router.db_for_write(AccessToken)]


def access_token_record(
    *, token: str, app_id: int, secret_id: int, scope: str, expires: datetime, resource: list[str]
) -> None:
    """Store an issued token as its checksum, linked to the secret that obtained it.

    Raises TokenIssuerGone when the app or the secret stopped being valid since the client
    authenticated: a token must never outlive a revocation that committed before it.
    """
    connection = _connection()
    now = timezone.now()
    resource_value = AccessToken._meta.get_field("resource").get_db_prep_save(resource, connection)
    lock = " FOR KEY SHARE" if connection.features.has_select_for_update else ""
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(LOCK_APP_SQL + lock, [app_id, AppStatus.ACTIVE])
            if cursor.fetchone() is None:
                raise TokenIssuerGone("The app was deleted.")
            cursor.execute(SECRET_VALID_SQL, [secret_id, app_id, now])
            if cursor.fetchone() is None:
                raise TokenIssuerGone("The client secret was revoked or lapsed.")
            cursor.execute(
                INSERT_SQL, [token_checksum(token), expires, scope, resource_value, app_id, now, now]
            )
            cursor.execute(LINK_SQL, [cursor.fetchone()[0], secret_id])
    except IntegrityError as exc:  # e.g. a lapsed secret purged meanwhile: its link cannot be written
        raise TokenIssuerGone("The app or its secret is gone.") from exc


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
