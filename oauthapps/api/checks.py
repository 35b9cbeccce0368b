"""Discovery (RFC 8414), JWKS, introspection (RFC 7662) and revocation (RFC 7009)."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters

from console.actors import client_ip
from console.api_errors import OAuthError, oauth_error_response
from oauthapps.api.token import check_form_charset, check_form_size, throttled_response
from oauthapps.client_credentials import MalformedBasicAuth, authenticate_client
from oauthapps.client_limits import ClientThrottled, token_revocation_count
from oauthapps.models import OAuthApp
from oauthapps.server.dpop import PROOF_ALGORITHMS, bound_key
from oauthapps.services import access_token_revoke
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
            "dpop_signing_alg_values_supported": list(PROOF_ALGORITHMS),  # RFC 9449 §5.1
        }
    )
    response["Cache-Control"] = PUBLIC_CACHE
    return response


def jwks_document(request) -> JsonResponse:
    response = JsonResponse(jwks())
    response["Cache-Control"] = PUBLIC_CACHE
    return response


TOKEN_TYPE_HINTS = ("access_token", "refresh_token")  # RFC 7009 §2.1, RFC 7662 §2.1


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(sensitive_post_parameters("client_secret", "token"), name="dispatch")
class _ClientTokenForm(View):
    """A POSTed form naming a ``token``, from a client that authenticates as one of our apps
    (oauthapps/client_credentials.py, with its failure limits). Errors are RFC 6749 JSON."""

    http_method_names = ["post"]
    name = ""

    def http_method_not_allowed(self, request, *args, **kwargs):
        response = oauth_error_response(
            "invalid_request", f"The {self.name} endpoint accepts only POST requests.", 405
        )
        response["Allow"] = "POST"
        return response

    def post(self, request):
        try:
            response = self._answered(request)
        except OAuthError as exc:
            return oauth_error_response(exc.error, exc.description, exc.status_code)
        except MalformedBasicAuth as exc:
            return oauth_error_response("invalid_request", str(exc), 400)
        except ClientThrottled as exc:  # the client limits, the failures' and each endpoint's own
            return throttled_response(exc.retry_after, exc.description)
        response["Cache-Control"] = "no-store"
        return response

    def _answered(self, request) -> HttpResponse:
        check_form_charset(request)
        check_form_size(request)
        caller = authenticate_client(
            authorization=request.headers.get("Authorization"),
            client_id=request.POST.get("client_id"),
            client_secret=request.POST.get("client_secret"),
            address=client_ip(request),
        )
        if caller is None:
            raise OAuthError(
                "invalid_client", "Authenticate with the Client ID and Client Secret of an app.", status=401
            )
        token = request.POST.get("token", "")
        if not token:
            raise OAuthError("invalid_request", "The token parameter is missing.")
        hint = request.POST.get("token_type_hint")
        if hint is not None and hint not in TOKEN_TYPE_HINTS:
            raise OAuthError(
                "unsupported_token_type",
                f"token_type_hint must be one of {', '.join(TOKEN_TYPE_HINTS)}, or left out.",
            )
        return self.answer(token, caller)  # each subclass's own


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
        # RFC 9449 §6.2: a bound token says so, and names its key in cnf.jkt.
        "token_type": "DPoP" if bound_key(claims) else "Bearer",
        **{
            key: claims[key]
            for key in (
                "scope",
                "client_id",
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "nbf",
                "jti",
                "account_sid",
                "cnf",
            )
            if key in claims
        },
    }


class RevokeApi(_ClientTokenForm):
    """RFC 7009: an app may revoke only tokens issued to itself. Any other token, unknown,
    expired or another app's, is answered 200 as well and left alone (§2.2)."""

    name = "revocation"

    def answer(self, token: str, caller: OAuthApp) -> HttpResponse:
        token_revocation_count(client_id=caller.client_id)  # raises ClientThrottled
        access_token_revoke(token=token, client=caller)
        return HttpResponse(status=200)
