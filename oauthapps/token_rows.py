"""The issued-token rows on the hot paths: one INSERT per token, one SELECT per check.

Both are written in SQL on django-oauth-toolkit's AccessToken table, through Django's
connection (its transactions, its test databases, its connection reuse). The ORM spent
more time compiling these statements than PostgreSQL spent running them: about 1 ms of a
2 ms gateway check, and an INSERT inside an atomic block (three round trips) where one
statement is atomic on its own (docs/performance.md). The rows are the ones the ORM would
write: RFC 9700 storage, so the ``token`` column stays empty and only the SHA-256
checksum of the token is kept.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, router
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from oauthapps.models import AppStatus, OAuthApp

AccessToken = get_access_token_model()


def token_checksum(token: str) -> str:
    """The lookup key stored for a token (DOT's TokenChecksumField: SHA-256, hex)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _sql(template: str) -> str:
    return template.format(token=AccessToken._meta.db_table, app=OAuthApp._meta.db_table)


INSERT_SQL = _sql(
    "INSERT INTO {token} (token, token_checksum, expires, scope, resource, application_id, created, updated) "
    "VALUES ('', %s, %s, %s, %s, %s, %s, %s)"
)

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
    *, token: str, app_id: int, scope: str, expires: datetime, resource: list[str]
) -> None:
    """Store an issued token as its checksum, in one statement."""
    connection = _connection()
    now = timezone.now()
    resource_value = AccessToken._meta.get_field("resource").get_db_prep_save(resource, connection)
    with connection.cursor() as cursor:
        cursor.execute(INSERT_SQL, [token_checksum(token), expires, scope, resource_value, app_id, now, now])


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
