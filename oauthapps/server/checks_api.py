"""Discovery (RFC 8414), JWKS, introspection (RFC 7662) and revocation (RFC 7009)."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import reverse

from console.api_errors import OAuthError
from oauthapps.models import OAuthApp
from oauthapps.server.client_auth import CLIENT_AUTHENTICATORS
from oauthapps.server.client_limits import token_revocation_count
from oauthapps.server.endpoints import OAuthFormEndpoint
from oauthapps.server.revoke import access_token_revoke
from oauthapps.server.token_checks import token_check
from oauthapps.server.tokens import InvalidAccessToken, jwks
from scopes.catalog import get_catalog

PUBLIC_CACHE = "public, max-age=300"
# The one client authentication's methods (RFC 8414 §2): what every endpoint accepts.
AUTH_METHODS = [authenticator.method for authenticator in CLIENT_AUTHENTICATORS]


def _absolute(path_name: str) -> str:
    return settings.OAUTH_ISSUER + reverse(path_name)


def authorization_server_metadata(request) -> JsonResponse:
    response = JsonResponse(
        {
            "issuer": settings.OAUTH_ISSUER,
            "token_endpoint": _absolute("oauth-token"),
            "jwks_uri": _absolute("oauth-jwks"),
            "introspection_endpoint": _absolute("oauth-introspect"),
            "revocation_endpoint": _absolute("oauth-revoke"),
            "grant_types_supported": ["client_credentials"],
            "response_types_supported": [],
            "token_endpoint_auth_methods_supported": AUTH_METHODS,
            "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
            "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
            "scopes_supported": sorted(get_catalog().permissions),
        }
    )
    response["Cache-Control"] = PUBLIC_CACHE
    return response


def jwks_document(request) -> JsonResponse:
    response = JsonResponse(jwks())
    response["Cache-Control"] = PUBLIC_CACHE
    return response


TOKEN_TYPE_HINTS = ("access_token", "refresh_token")  # RFC 7009 §2.1, RFC 7662 §2.1


class _ClientTokenForm(OAuthFormEndpoint):
    """A POSTed form naming a ``token``, from a client that authenticates as one of our apps
    (oauthapps/server/client_auth.py, with its failure limits). Errors are RFC 6749 JSON."""

    def post(self, request):
        caller = request.user  # the client authenticates here
        token = request.data.get("token", "")
        if not token:
            raise OAuthError("invalid_request", "The token parameter is missing.")
        hint = request.data.get("token_type_hint")
        if hint is not None and hint not in TOKEN_TYPE_HINTS:
            raise OAuthError(
                "unsupported_token_type",
                f"token_type_hint must be one of {', '.join(TOKEN_TYPE_HINTS)}, or left out.",
            )
        response = self.answer(token, caller)  # each subclass's own
        response["Cache-Control"] = "no-store"
        return response


class IntrospectApi(_ClientTokenForm):
    """RFC 7662. The caller learns only about tokens of its own account (others are
    reported inactive, as unknown tokens are)."""

    name = "introspection"

    def answer(self, token: str, caller: OAuthApp) -> HttpResponse:
        return JsonResponse(introspection(token, account_sid=caller.account.sid))


def introspection(token: str, *, account_sid: str) -> dict:
    try:
        grant = token_check(token)
    except InvalidAccessToken:
        return {"active": False}
    if grant.account_sid != account_sid:
        return {"active": False}
    claims = grant.claims
    return {
        "active": True,
        "token_type": "Bearer",
        **{
            key: claims[key]
            for key in ("scope", "client_id", "sub", "iss", "aud", "exp", "iat", "nbf", "jti", "account_sid")
            if key in claims
        },
    }


class RevokeApi(_ClientTokenForm):
    """RFC 7009: an app may revoke only tokens issued to itself. Any other token, unknown,
    expired or another app's, is answered 200 as well and left alone (§2.2)."""

    name = "revocation"

    def answer(self, token: str, caller: OAuthApp) -> HttpResponse:
        token_revocation_count(client_id=caller.client_id)  # raises ClientThrottled
        access_token_revoke(token=token, client=caller)  # raises RevocationLimitReached, a ClientThrottled
        return HttpResponse(status=200)
