"""Discovery (RFC 8414), JWKS, introspection (RFC 7662) and revocation (RFC 7009)."""

from django.conf import settings
from django.http import JsonResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider.views import RevokeTokenView

from console.actors import client_ip
from console.api_errors import OAuthError, oauth_error_response
from oauthapps.api.token import check_form_charset, throttled_response
from oauthapps.client_credentials import MalformedBasicAuth, authenticate_client
from oauthapps.client_limits import ClientThrottled
from oauthapps.token_checks import token_check
from oauthapps.tokens import InvalidAccessToken, jwks
from scopes.catalog import get_catalog

PUBLIC_CACHE = "public, max-age=300"


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
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": sorted(get_catalog().permissions),
        }
    )
    response["Cache-Control"] = PUBLIC_CACHE
    return response


def jwks_document(request) -> JsonResponse:
    response = JsonResponse(jwks())
    response["Cache-Control"] = PUBLIC_CACHE
    return response


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(sensitive_post_parameters("client_secret", "token"), name="dispatch")
class IntrospectApi(View):
    """RFC 7662. The caller authenticates as an app; it learns only about tokens of its own
    account (others are reported inactive, as unknown tokens are)."""

    http_method_names = ["post"]

    def post(self, request):
        try:
            check_form_charset(request)
            caller = authenticate_client(
                authorization=request.headers.get("Authorization"),
                client_id=request.POST.get("client_id"),
                client_secret=request.POST.get("client_secret"),
                address=client_ip(request),
            )
        except OAuthError as exc:
            return oauth_error_response(exc.error, exc.description, exc.status_code)
        except MalformedBasicAuth as exc:
            return oauth_error_response("invalid_request", str(exc), 400)
        except ClientThrottled as exc:
            return throttled_response(exc.retry_after, exc.description)
        if caller is None:
            return oauth_error_response(
                "invalid_client", "Authenticate with the Client ID and Client Secret of an app.", 401
            )
        token = request.POST.get("token", "")
        if not token:
            return oauth_error_response("invalid_request", "The token parameter is missing.", 400)
        response = JsonResponse(introspection(token, account_id=caller.account_id))
        response["Cache-Control"] = "no-store"
        return response


def introspection(token: str, *, account_id: int) -> dict:
    try:
        grant = token_check(token)
    except InvalidAccessToken:
        return {"active": False}
    if grant.account_id != account_id:
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


@method_decorator(sensitive_post_parameters("client_secret", "token"), name="dispatch")
class RevokeApi(RevokeTokenView):
    """RFC 7009 through DOT: an app may revoke only tokens issued to itself."""

    def post(self, request, *args, **kwargs):
        try:
            check_form_charset(request)
        except OAuthError as exc:
            return oauth_error_response(exc.error, exc.description, exc.status_code)
        try:
            return super().post(request, *args, **kwargs)
        except ClientThrottled as exc:  # raised by our validator's client authentication
            return throttled_response(exc.retry_after, exc.description)
