"""The seam to django-oauth-toolkit/oauthlib, where DOT still answers: client authentication
for its revocation view, and the catalog as its scopes backend. The token endpoint does not
go through oauthlib (oauthapps/grant.py)."""

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes
from oauthlib.oauth2.rfc6749 import errors

from console.actors import client_address
from oauthapps.client_credentials import MalformedBasicAuth, authenticate_client
from scopes.catalog import get_catalog
from scopes.resolver import effective_permissions


def app_permissions(app) -> list[str]:
    """The app's grantable permissions in the order they were chosen, denials removed."""
    allowed = effective_permissions(app.scopes, app.denied_scopes)
    return [scope for scope in app.scopes if scope in allowed] + sorted(allowed.difference(app.scopes))


class CatalogScopes(BaseScopes):
    """DOT's scopes backend, answered from the permission catalog and the app's scopes."""

    def get_all_scopes(self):
        return {name: permission.description for name, permission in get_catalog().permissions.items()}

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        return app_permissions(application) if application is not None else []

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return self.get_available_scopes(application, request)


class OAuthAppValidator(OAuth2Validator):
    def authenticate_client(self, request, *args, **kwargs):
        # Raises ClientThrottled (a 429 for the revocation view); oauthlib's request.headers
        # is DOT's copy of the WSGI environ, so the address rules are ours.
        try:
            app = authenticate_client(
                authorization=request.headers.get("Authorization"),
                client_id=request.client_id,
                client_secret=request.client_secret,
                address=client_address(request.headers),
            )
        except MalformedBasicAuth:
            return False  # an unreadable Basic header authenticates nobody
        if app is None:
            return False
        requested_account = getattr(request, "account_sid", None)
        if requested_account is not None and requested_account != app.account.sid:
            # Twilio's ``account_sid`` asks for a token on behalf of that account: an app
            # acts only for its own. Checked after authentication, so it tells nothing to
            # a caller without the secret.
            raise errors.InvalidRequestError(
                description=f"account_sid {requested_account[:34]} is not the account of this app; "
                "send the app's own account SID or leave account_sid out.",
                request=request,
            )
        request.client = app
        request.client_id = app.client_id
        return True

    def authenticate_client_id(self, client_id, request, *args, **kwargs):
        return False  # no public clients: every client authenticates with a secret

    def client_authentication_required(self, request, *args, **kwargs):
        return True
