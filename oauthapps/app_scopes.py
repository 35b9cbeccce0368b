"""What an app's OAuth Scopes grant: its permissions."""

from scopes.resolver import effective_permissions, without_covered


def app_permissions(app) -> list[str]:
    """The app's grantable permissions in the order they were chosen, denials removed, and no
    action its resource's `*` already holds (apps saved before that rule included)."""
    allowed = effective_permissions(app.scopes, app.denied_scopes)
    chosen = [scope for scope in app.scopes if scope in allowed] + sorted(allowed.difference(app.scopes))
    return without_covered(chosen)
