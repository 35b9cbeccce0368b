"""The seam to django-oauth-toolkit/oauthlib: client authentication, scopes, token rows."""

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes
from oauthlib.oauth2.rfc6749 import errors

from console.actors import client_address
from oauthapps.client_credentials import MalformedBasicAuth, authenticate_client
from oauthapps.client_limits import token_issuance_count
from oauthapps.dot_private import set_request_resources
from scopes.catalog import get_catalog
from scopes.resolver import effective_permissions, grants


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
        # Raises ClientThrottled (a 429 for the token and revocation views); oauthlib's
        # request.headers is DOT's copy of the WSGI environ, so the address rules are ours.
        try:
            app = authenticate_client(
                authorization=request.headers.get("Authorization"),
                client_id=request.client_id,
                client_secret=request.client_secret,
                address=client_address(request.headers),
            )
        except MalformedBasicAuth:
            return False  # the token endpoint answers invalid_request before reaching here
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

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        granted = app_permissions(client)
        if not granted:  # its deny list takes back everything its allow list grants
            raise errors.InvalidScopeError(
                description="This app's OAuth Scopes grant no permission: its deny list removes every "
                "permission its allow list grants. Change the app's OAuth Scopes.",
                request=request,
            )
        outside = [scope for scope in scopes if not grants(granted, scope)]
        if outside:
            raise errors.InvalidScopeError(
                description="The requested scope is not granted to this app: "
                + ", ".join(outside[:10])
                + ". Request a subset of the app's OAuth Scopes, or omit scope to get all of them.",
                request=request,
            )
        request.scopes = list(dict.fromkeys(scopes))  # RFC 6749 §3.3: a set; each scope once, in order
        return True

    def get_default_scopes(self, client_id, request, *args, **kwargs):
        return app_permissions(request.client)

    def save_bearer_token(self, token, request, *args, **kwargs):
        """The client credentials grant has no refresh token and no user, and its token is
        not stored: revoking it, its secret or its app is recorded instead
        (oauthapps/revocations.py). What is left is to count it and check its resource."""
        if "scope" not in token:
            raise errors.FatalClientError("Failed to issue the access token: missing scope")
        set_request_resources(self, request)  # RFC 8707, as DOT checks it
        token_issuance_count(client_id=request.client.client_id)  # raises ClientThrottled
        request.user = None
