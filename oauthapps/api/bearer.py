"""DRF authentication for our APIs: ``Authorization: Bearer <access token>`` (RFC 6750)."""

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from oauthapps.models import OAuthApp
from oauthapps.token_checks import TokenGrant, token_check
from oauthapps.tokens import InvalidAccessToken

REALM = "oauth-apps"


class AppPrincipal:
    """``request.user`` for a call made with an app's token: the app, authenticated."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, app: OAuthApp) -> None:
        self.app = app

    def __str__(self) -> str:
        return self.app.client_id


class BearerTokenAuthentication(BaseAuthentication):
    """Sets ``request.user`` to an AppPrincipal and ``request.auth`` to the TokenGrant."""

    def authenticate(self, request) -> tuple[AppPrincipal, TokenGrant] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(
                "The Authorization header must be 'Bearer <access token>'.", "invalid_token"
            )
        try:
            grant = token_check(parts[1].decode("ascii"))
        except (InvalidAccessToken, UnicodeDecodeError):
            raise AuthenticationFailed(
                "The access token is invalid, expired or revoked; fetch a new one from /v2/token.",
                "invalid_token",
            ) from None
        request._request.log_client_id = grant.app.client_id
        return AppPrincipal(grant.app), grant

    def authenticate_header(self, request) -> str:
        return f'Bearer realm="{REALM}"'
