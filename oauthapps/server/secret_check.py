"""Client authentication: the Client ID and one of the app's valid secrets.

One query loads the app's valid secrets; each is compared in constant time. Unknown
clients cost the same digest computation as known ones.
"""

from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import connections, router
from django.utils import timezone

from console.models import Account
from console.private_apis import orm_converted
from console.sids import is_sid
from oauthapps.models import AppStatus, ClientSecret, OAuthApp
from oauthapps.secrets import secret_digest, secret_matches

# last_used_at is a hint for operators, not an audit record: writing it at most once a
# minute keeps the token path free of a row update per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def is_client_id(value: object) -> bool:
    return is_sid(value, "OQ")


# SQL, not the ORM: compiling the equivalent queryset (three tables, an OR, the default
# ordering) cost more than running it, and so did RawQuerySet's per-query column mapping
# (docs/performance.md); measured again in one run on SQLite, medians of six rounds of 500
# calls, the queryset cost 1.2 ms of CPU per call and this 0.16 ms. The plan is the same:
# index scans on client_id and app_id. The values are converted as the ORM would through
# console/private_apis.py, where Django's internals are kept with their version pin.
APP_FIELDS = tuple(OAuthApp._meta.concrete_fields)
ACCOUNT_FIELDS = tuple(Account._meta.get_field(name) for name in ("id", "sid", "name", "created_at"))
SECRET_FIELDS = tuple(
    ClientSecret._meta.get_field(name) for name in ("id", "digest", "last_used_at", "token_tag")
)
# Only model metadata (table and column names) is formatted in; values are parameters.
CANDIDATES_SQL = (  # noqa: S608
    "SELECT {app_columns}, {account_columns}, {secret_columns} "
    "FROM {app} app "
    "JOIN {secret} secret ON secret.app_id = app.id "
    "JOIN {account} account ON account.id = app.account_id "
    "WHERE app.client_id = %s AND app.status = %s "
    "AND secret.revoked_at IS NULL AND (secret.expires_at IS NULL OR secret.expires_at > %s)"
).format(
    app_columns=", ".join(f"app.{field.column}" for field in APP_FIELDS),
    account_columns=", ".join(f"account.{field.column}" for field in ACCOUNT_FIELDS),
    secret_columns=", ".join(f"secret.{field.column}" for field in SECRET_FIELDS),
    app=OAuthApp._meta.db_table,
    secret=ClientSecret._meta.db_table,
    account=Account._meta.db_table,
)


def _converted(model, fields: tuple, values, using: str) -> list:
    return orm_converted(connections[using], model, fields, values)


def _instance(model, fields: tuple, values, using: str):
    return model.from_db(using, [field.attname for field in fields], _converted(model, fields, values, using))


def _candidates(client_id: str, now) -> list[OAuthApp]:
    """The app once per valid secret, its account loaded, the secret's columns as attributes
    (``secret_pk``, ``secret_digest``, ``secret_last_used_at``, ``secret_token_tag``)."""
    using = router.db_for_read(OAuthApp)
    with connections[using].cursor() as cursor:
        cursor.execute(CANDIDATES_SQL, [client_id, AppStatus.ACTIVE, now])
        rows = cursor.fetchall()
    apps, account_at = [], len(APP_FIELDS)
    secret_at = account_at + len(ACCOUNT_FIELDS)
    for row in rows:
        app = _instance(OAuthApp, APP_FIELDS, row[:account_at], using)
        app.account = _instance(Account, ACCOUNT_FIELDS, row[account_at:secret_at], using)
        app.secret_pk, app.secret_digest, app.secret_last_used_at, app.secret_token_tag = _converted(
            ClientSecret, SECRET_FIELDS, row[secret_at:], using
        )
        apps.append(app)
    return apps


class SecretMatch(NamedTuple):
    """An app authenticated by one of its secrets: the secret's ``token_tag`` (the tokens it
    obtains carry it) and when the check began (a token is signed soon after, or not at all)."""

    app: OAuthApp
    secret_tag: str
    authenticated_at: datetime


def client_secret_check(*, client_id: str, secret: str) -> SecretMatch | None:
    """The app whose valid secret ``secret`` is, or None."""
    if not is_client_id(client_id) or not secret:
        secret_digest(secret or "")
        return None
    now = timezone.now()
    candidates = _candidates(client_id, now)
    for candidate in candidates:
        if secret_matches(secret, candidate.secret_digest):
            if not _note_use(candidate.secret_pk, candidate.secret_last_used_at, now):
                return None
            return SecretMatch(app=candidate, secret_tag=candidate.secret_token_tag, authenticated_at=now)
    if not candidates:
        secret_digest(secret)
    return None


def client_authenticate(*, client_id: str, secret: str) -> OAuthApp | None:
    """The app ``secret`` authenticates, or None (``client_secret_check`` without the details)."""
    match = client_secret_check(client_id=client_id, secret=secret)
    return None if match is None else match.app


def _note_use(secret_pk: int, last_used_at, now) -> bool:
    """Record the use (at most once per LAST_USED_RESOLUTION). False when the write finds
    the secret no longer valid: revoked, lapsed or deleted with its app by a change that
    held its row while this request read it."""
    if last_used_at is not None and now - last_used_at < LAST_USED_RESOLUTION:
        return True
    return bool(ClientSecret.objects.filter(pk=secret_pk).valid_at(now).update(last_used_at=now))
