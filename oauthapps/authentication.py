"""Client authentication: the Client ID and one of the app's valid secrets.

One query loads the app's valid secrets; each is compared in constant time. Unknown
clients cost the same digest computation as known ones.
"""

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from console.models import Account
from console.sids import is_sid
from oauthapps.models import AppStatus, ClientSecret, OAuthApp
from oauthapps.secrets import secret_digest, secret_matches

# last_used_at is a hint for operators, not an audit record: writing it at most once a
# minute keeps the token path free of a row update per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def is_client_id(value: object) -> bool:
    return is_sid(value, "OQ")


# Raw SQL, not the ORM: compiling the equivalent queryset (three tables, an OR, the
# default ordering) costs more than running it, about 2 ms of a ~7 ms token request
# (docs/performance.md). The plan is the same: index scans on client_id and app_id.
CANDIDATES_SQL = """
SELECT app.*, secret.id AS secret_pk, secret.digest AS secret_digest,
       secret.last_used_at AS secret_last_used_at,
       account.sid AS account_sid_, account.name AS account_name_, account.created_at AS account_created_at_
FROM oauthapps_oauthapp app
JOIN oauthapps_clientsecret secret ON secret.app_id = app.id
JOIN console_account account ON account.id = app.account_id
WHERE app.client_id = %s AND app.status = %s
  AND secret.revoked_at IS NULL AND (secret.expires_at IS NULL OR secret.expires_at > %s)
"""


def _aware(moment: datetime | None) -> datetime | None:
    """Extra columns of a raw query skip the field converters: SQLite returns naive UTC."""
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment, UTC)
    return moment


def _candidates(client_id: str, now) -> list[OAuthApp]:
    """The app once per valid secret, its account loaded, the secret's columns as attributes."""
    candidates = list(OAuthApp.objects.raw(CANDIDATES_SQL, [client_id, AppStatus.ACTIVE, now]))
    for app in candidates:
        app.account = Account.from_db(
            OAuthApp.objects.db,
            ["id", "sid", "name", "created_at"],
            [app.account_id, app.account_sid_, app.account_name_, _aware(app.account_created_at_)],
        )
    return candidates


def client_authenticate(*, client_id: str, secret: str) -> OAuthApp | None:
    if not is_client_id(client_id) or not secret:
        secret_digest(secret or "")
        return None
    now = timezone.now()
    candidates = _candidates(client_id, now)
    for candidate in candidates:
        if secret_matches(secret, candidate.secret_digest):
            _note_use(candidate.secret_pk, _aware(candidate.secret_last_used_at), now)
            return candidate
    if not candidates:
        secret_digest(secret)
    return None


def _note_use(secret_pk: int, last_used_at, now) -> None:
    if last_used_at is None or now - last_used_at >= LAST_USED_RESOLUTION:
        ClientSecret.objects.filter(pk=secret_pk).update(last_used_at=now)
