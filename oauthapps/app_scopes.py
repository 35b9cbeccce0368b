"""What an app's OAuth Scopes grant: its permissions."""

from scopes.resolver import effective_permissions


def app_permissions(app) -> list[str]:
    """The app's grantable permissions in the order they were chosen, denials removed."""
    allowed = effective_permissions(app.scopes, app.denied_scopes)
    return [scope for scope in app.scopes if scope in allowed] + sorted(allowed.difference(app.scopes))
