"""Client authentication: the Client ID and one of the app's valid secrets.

One query loads the app's valid secrets; each is compared in constant time. Unknown
clients cost the same digest computation as known ones.
"""

from datetime import timedelta

from django.utils import timezone

from console.sids import is_sid
from oauthapps.models import AppStatus, ClientSecret, OAuthApp
from oauthapps.secrets import secret_digest, secret_matches

# last_used_at is a hint for operators, not an audit record: writing it at most once a
# minute keeps the token path free of a row update per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def is_client_id(value: object) -> bool:
    return is_sid(value, "OQ")


def client_authenticate(*, client_id: str, secret: str) -> OAuthApp | None:
    if not is_client_id(client_id) or not secret:
        secret_digest(secret or "")
        return None
    now = timezone.now()
    candidates = list(
        ClientSecret.objects.valid_at(now)
        .filter(app__client_id=client_id, app__status=AppStatus.ACTIVE)
        .select_related("app", "app__account")
    )
    for candidate in candidates:
        if secret_matches(secret, candidate.digest):
            _note_use(candidate, now)
            return candidate.app
    if not candidates:
        secret_digest(secret)
    return None


def _note_use(record: ClientSecret, now) -> None:
    if record.last_used_at is None or now - record.last_used_at >= LAST_USED_RESOLUTION:
        ClientSecret.objects.filter(pk=record.pk).update(last_used_at=now)
