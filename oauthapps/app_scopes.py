"""What an app's OAuth Scopes grant: its permissions, and the catalog as django-oauth-toolkit's
scopes backend. The token endpoint (oauthapps/server/grant.py), introspection and revocation
(oauthapps/server/checks_api.py) do not go through oauthlib; DOT remains the Application model's
base and this backend's caller."""

from oauth2_provider.scopes import BaseScopes

from scopes.catalog import get_catalog
from scopes.resolver import effective_permissions, without_covered


def app_permissions(app) -> list[str]:
    """The app's grantable permissions in the order they were chosen, denials removed, and no
    action its resource's `*` already holds (apps saved before that rule included)."""
    allowed = effective_permissions(app.scopes, app.denied_scopes)
    chosen = [scope for scope in app.scopes if scope in allowed] + sorted(allowed.difference(app.scopes))
    return without_covered(chosen)


class CatalogScopes(BaseScopes):
    """DOT's scopes backend, answered from the permission catalog and the app's scopes."""

    def get_all_scopes(self):
        return {name: permission.description for name, permission in get_catalog().permissions.items()}

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        return app_permissions(application) if application is not None else []

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return self.get_available_scopes(application, request)
