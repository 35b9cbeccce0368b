"""DRF authentication for our APIs: ``Authorization: Bearer <access token>`` (RFC 6750)."""

import dataclasses
from collections.abc import Collection

from django.conf import settings
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from oauthapps.models import AppStatus, OAuthApp
from oauthapps.server.jwt_rules import (
    InvalidToken,
    MalformedAuthorization,
    TokenPrincipal,
    bearer_challenge,
    bearer_token,
)
from oauthapps.server.token_checks import TokenGrant, token_check

REALM = "oauth-apps"

INVALID_TOKEN = "The access token is invalid, expired or revoked; fetch a new one from /v2/token."
# Set on the DRF request when authenticate() refuses the token, so that authenticate_header()
# can say why (RFC 6750 §3.1).
_ERROR_ATTRIBUTE = "_oauth_apps_token_error"


def api_challenge(**params: str | None) -> str:
    """``WWW-Authenticate`` of this server's APIs and gateway check (RFC 6750 §3)."""
    return bearer_challenge(REALM, **params)


def bearer_grant(authorization: bytes, *, audiences: Collection[str]) -> TokenGrant | None:
    """The live grant of an ``Authorization: Bearer`` header; None when the header is not
    Bearer. Raises AuthenticationFailed for a malformed header or a token that is not good,
    a token for another audience than ``audiences`` included."""
    try:
        token = bearer_token(authorization)
        return None if token is None else token_check(token, audiences=audiences)
    except MalformedAuthorization as exc:
        raise AuthenticationFailed(str(exc), "invalid_token") from None
    except InvalidToken:
        raise AuthenticationFailed(INVALID_TOKEN, "invalid_token") from None


class BearerTokenAuthentication(BaseAuthentication):
    """Sets ``request.user`` to a TokenPrincipal and ``request.auth`` to the TokenGrant, with
    the app and its account loaded. Only tokens meant for this server's APIs are accepted."""

    def authenticate(self, request) -> tuple[TokenPrincipal, TokenGrant] | None:
        try:
            return self._authenticate(request)
        except AuthenticationFailed:
            setattr(request, _ERROR_ATTRIBUTE, "invalid_token")
            raise

    def _authenticate(self, request) -> tuple[TokenPrincipal, TokenGrant] | None:
        grant = bearer_grant(get_authorization_header(request), audiences=settings.API_AUDIENCES)
        if grant is None:
            return None
        app = (
            OAuthApp.objects.select_related("account")
            .filter(client_id=grant.client_id, status=AppStatus.ACTIVE)
            .first()
        )
        if app is None:  # deleted between the token check and now
            raise AuthenticationFailed(INVALID_TOKEN, "invalid_token")
        request._request.log_client_id = app.client_id
        principal = TokenPrincipal(client_id=app.client_id, account_sid=grant.account_sid, app=app)
        return principal, dataclasses.replace(grant, app=app)

    def authenticate_header(self, request) -> str:
        """The 401 challenge; DRF puts it on the exception (``auth_header``)."""
        return api_challenge(error=getattr(request, _ERROR_ATTRIBUTE, None))

    def insufficient_scope_challenge(self, required: str | None) -> str:
        """The 403 challenge ``scopes.permissions.HasCatalogPermission`` asks for."""
        return api_challenge(error="insufficient_scope", scope=required)
