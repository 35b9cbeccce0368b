"""The oauth-apps.* events, announced by oauthapps.services inside their transaction.

Receivers run synchronously in the sender's transaction: a receiver that raises rolls
the change back (the audit trail depends on it).
"""

from django.dispatch import Signal

# Each is sent with ``app`` and ``actor``; ``oauth_app_updated`` also with ``previous`` and
# ``updated`` (the changed fields only); the secret signals with ``secret`` (a ClientSecret).
oauth_app_created = Signal()
oauth_app_updated = Signal()
oauth_app_deleted = Signal()
oauth_app_secret_rotated = Signal()
oauth_app_secret_revoked = Signal()
oauth_app_secret_expired = Signal()

EVENT_TYPES = {
    oauth_app_created: "oauth-apps.created",
    oauth_app_updated: "oauth-apps.updated",
    oauth_app_deleted: "oauth-apps.deleted",
    oauth_app_secret_rotated: "oauth-apps.secret-rotated",
    oauth_app_secret_revoked: "oauth-apps.secret-revoked",
    oauth_app_secret_expired: "oauth-apps.secret-expired",
}
