"""The oauth-apps.* events, announced by oauthapps.services inside their transaction.

Each signal is sent with one argument, ``payload``: the dataclass below that says what
happened. Receivers read its fields. Receivers run synchronously in the sender's transaction:
a receiver that raises rolls the change back (the audit trail depends on it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.dispatch import Signal

if TYPE_CHECKING:
    from console.actors import Actor
    from oauthapps.models import ClientSecret, OAuthApp


@dataclass(frozen=True)
class AppChange:
    """Which app, and who changed it."""

    app: OAuthApp
    actor: Actor


@dataclass(frozen=True)
class AppCreated(AppChange):
    """A new app, with its first secret."""


@dataclass(frozen=True)
class AppUpdated(AppChange):
    """The changed fields only, by model field name: their values before and after."""

    previous: dict
    updated: dict


@dataclass(frozen=True)
class AppDeleted(AppChange):
    """``app`` is gone from the database; the object keeps its fields (its Client ID too)."""


@dataclass(frozen=True)
class SecretChange(AppChange):
    """The secret's record (its value is never held anywhere)."""

    secret: ClientSecret


@dataclass(frozen=True)
class SecretRotated(SecretChange):
    """``secret`` is the new one. The previous ones keep working for ``grace_period``, or
    stopped at once when ``revoke_previous``."""

    revoke_previous: bool
    grace_period: timedelta


@dataclass(frozen=True)
class SecretRevoked(SecretChange):
    """A replaced secret stopped at once, with the tokens it issued."""


@dataclass(frozen=True)
class SecretExpired(SecretChange):
    """A replaced secret reached the end of its grace period; it is removed after this."""


oauth_app_created = Signal()  # payload: AppCreated
oauth_app_updated = Signal()  # payload: AppUpdated
oauth_app_deleted = Signal()  # payload: AppDeleted
oauth_app_secret_rotated = Signal()  # payload: SecretRotated
oauth_app_secret_revoked = Signal()  # payload: SecretRevoked
oauth_app_secret_expired = Signal()  # payload: SecretExpired

EVENT_TYPES = {
    oauth_app_created: "oauth-apps.created",
    oauth_app_updated: "oauth-apps.updated",
    oauth_app_deleted: "oauth-apps.deleted",
    oauth_app_secret_rotated: "oauth-apps.secret-rotated",
    oauth_app_secret_revoked: "oauth-apps.secret-revoked",
    oauth_app_secret_expired: "oauth-apps.secret-expired",
}
