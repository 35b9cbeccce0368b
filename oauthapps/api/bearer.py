"""DRF authentication for our APIs: ``Authorization: Bearer <access token>`` (RFC 6750)."""

import dataclasses
from collections.abc import Collection

from django.conf import settings
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from oauthapps.models import AppStatus, OAuthApp
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


INVALID_TOKEN = "The access token is invalid, expired or revoked; fetch a new one from /v2/token."


def bearer_grant(authorization: bytes, *, audiences: Collection[str]) -> TokenGrant | None:
    """The live grant of an ``Authorization: Bearer`` header; None when the header is not
    Bearer. Raises AuthenticationFailed for a malformed header or a token that is not good,
    a token for another audience than ``audiences`` included."""
    parts = authorization.split()
    if not parts or parts[0].lower() != b"bearer":
        return None
    if len(parts) != 2:
        raise AuthenticationFailed(
            "The Authorization header must be 'Bearer <access token>'.", "invalid_token"
        )
    try:
        return token_check(parts[1].decode("ascii"), audiences=audiences)
    except (InvalidAccessToken, UnicodeDecodeError):
        raise AuthenticationFailed(INVALID_TOKEN, "invalid_token") from None


class BearerTokenAuthentication(BaseAuthentication):
    """Sets ``request.user`` to an AppPrincipal and ``request.auth`` to the TokenGrant, with
    the app and its account loaded. Only tokens meant for this server's APIs are accepted."""

    def authenticate(self, request) -> tuple[AppPrincipal, TokenGrant] | None:
        grant = bearer_grant(get_authorization_header(request), audiences=settings.API_AUDIENCES)
        if grant is None:
            return None
        app = (
            OAuthApp.objects.select_related("account")
            .filter(pk=grant.app_id, status=AppStatus.ACTIVE)
            .first()
        )
        if app is None:  # deleted between the token check and now
            raise AuthenticationFailed(INVALID_TOKEN, "invalid_token")
        request._request.log_client_id = app.client_id
        return AppPrincipal(app), dataclasses.replace(grant, app=app)

    def authenticate_header(self, request) -> str:
        return f'Bearer realm="{REALM}"'
