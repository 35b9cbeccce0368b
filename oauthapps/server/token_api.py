"""``POST /v2/token``: the client credentials grant (RFC 6749 §4.4), Twilio's path.

An ``OAuthFormEndpoint`` (oauthapps/server/endpoints.py): the form is read once, strictly,
a throttle counts requests per address, the client authenticates through
``ClientAuthentication`` (oauthapps/server/client_auth.py) and every refusal takes the one
error path, RFC 6749 §5.2 with Twilio's fields beside it. The view checks the request's
shape (content type, size, repeated parameters, grant type, the client authentication's
syntax, audience, URL query), and hands the app, its ``ClientCredential`` and the token's
binding (``token_binding``) to the grant (oauthapps/server/grant.py), whose answer it
encodes once as the response body of docs/domain.md.
"""

from django.conf import settings
from django.http import JsonResponse
from django.views import View
from rest_framework.throttling import BaseThrottle

from console.actors import client_ip
from console.api_errors import NO_STORE, OAuthError
from console.metrics import THROTTLED
from console.throttling import Limit, limit_hit
from oauthapps import metrics
from oauthapps.server.endpoints import (
    FORM_CONTENT_TYPE,
    OAuthFormEndpoint,
    check_form_charset,
    check_form_size,
)
from oauthapps.server.grant import ERROR_MESSAGES, TokenBinding, client_credentials_grant

# Twilio's oauth v2 spec puts ``account_sid`` in the query of POST /v2/token (twilio-python
# sends it there). Anything else in a token request's URL is refused: credentials in a URL
# end up in access logs (RFC 6749 §3.2 sends the request's parameters in the body).
TOKEN_QUERY_PARAMETERS = frozenset({"account_sid"})


class TokenAddressThrottle(BaseThrottle):
    """Requests per source address, whoever they name: a flood from one address is slowed
    down before it costs a database query. The limits per client are in
    oauthapps/server/client_limits.py: nobody but the client can use them up.

    Not DRF's ``SimpleRateThrottle``: it keeps a list of timestamps per address in the
    cache and writes it back (a read-modify-write that concurrent processes overwrite, so a
    flood spread over workers is under-counted), and it fails the request when the cache
    is down. console/throttling.py counts in one atomic Redis round trip and falls back to
    per-process memory while Redis is away, which is the contract of every other limit."""

    def __init__(self) -> None:
        self.retry_after: int | None = None

    def allow_request(self, request, view) -> bool:
        limit = Limit.parse("token-ip", settings.THROTTLE_TOKEN_PER_IP)
        verdict = limit_hit(limit, client_ip(request) or "unknown")
        if verdict.allowed:
            return True
        THROTTLED.labels(limit=limit.name).inc()
        self.retry_after = verdict.retry_after
        return False

    def wait(self) -> int | None:
        return self.retry_after


def _check_shape(request, authentication) -> None:
    """Refuse a malformed request before it is counted (RFC 6749 §3.2, §5.2), in this order."""
    # Django's content type, without its parameters (DRF's ``content_type`` keeps them).
    content_type = request._request.content_type or ""
    if content_type != FORM_CONTENT_TYPE:
        raise OAuthError(
            "invalid_request",
            f"Send the token request as {FORM_CONTENT_TYPE} (RFC 6749 §4.4.2); "
            f"the Content-Type was {content_type or 'missing'}.",
        )
    check_form_charset(request)
    check_form_size(request)
    params = request.data  # StrictFormParser: parsed once, for this check and for the grant
    if not params.get("grant_type"):
        raise OAuthError(
            "invalid_request", "The grant_type parameter is missing; send grant_type=client_credentials."
        )
    if params["grant_type"] != "client_credentials":
        raise OAuthError(
            "unsupported_grant_type",
            f"grant_type '{params['grant_type'][:64]}' is not supported; this server issues tokens only for "
            "grant_type=client_credentials.",
        )
    authentication.chosen(request)  # a malformed or doubled client authentication
    audience = params.get("audience")
    if audience and audience not in settings.TOKEN_AUDIENCES:
        raise OAuthError(
            "invalid_target",
            "The audience is not one this server issues tokens for; use one of: "
            + ", ".join(settings.TOKEN_AUDIENCES),
        )


def _account_sid(request) -> str | None:
    """Twilio's ``account_sid``, from the form or else the URL query, after refusing any
    other query parameter."""
    query = request.query_params
    if set(query) - TOKEN_QUERY_PARAMETERS:
        raise OAuthError(
            "invalid_request",
            "URL query parameters are not allowed, except account_sid; "
            "send the token request's fields in the form body.",
        )
    return request.data.get("account_sid", query.get("account_sid"))


class TokenApi(OAuthFormEndpoint):
    name = "token"
    http_method_names = ["post", "options"]
    # Twilio's oauth v2 answers 200 (RFC 6749 §5.1); its oauth and iam v1 answer 201.
    success_status = 200
    field_names: dict[str, str] | None = None
    invalid_client_description = ERROR_MESSAGES["invalid_client"]

    throttle_classes = [TokenAddressThrottle]

    def options(self, request, *args, **kwargs):
        return View.options(self, request, *args, **kwargs)  # Django's: Allow, no body

    def check_request(self, request) -> None:
        _check_shape(request, self.client_authentication(request))

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST":
            return super().dispatch(request, *args, **kwargs)
        with metrics.TOKEN_LATENCY.time():
            response = super().dispatch(request, *args, **kwargs)
        if response.status_code == self.success_status:
            metrics.TOKENS_ISSUED.inc()
        else:
            metrics.TOKENS_REFUSED.labels(error=self.refusal).inc()
        return response

    def token_binding(self, request) -> TokenBinding | None:
        """What the token will be bound to (its ``cnf`` claim and the response's
        ``token_type``), proved by the request; None for a Bearer token. Called after the
        client authenticated (``request.user`` is the app, ``request.auth`` its credential);
        it raises ``OAuthError`` for a proof that fails. DPoP (RFC 9449) answers here."""
        return None

    def post(self, request, *args, **kwargs):
        account_sid = _account_sid(request)
        app, credential = request.user, request.auth  # the client authenticates here
        granted = client_credentials_grant(
            form=request.data,
            app=app,
            credential=credential,
            account_sid=account_sid,
            binding=self.token_binding(request),
        )
        response = JsonResponse(
            {
                "access_token": granted.access_token,
                "refresh_token": None,
                "id_token": None,
                "token_type": granted.token_type,
                "expires_in": granted.expires_in,
                # RFC 6749 §5.1: scope is returned because it may differ from what was asked.
                "scope": granted.scope,
            },
            status=self.success_status,
        )
        for name, value in NO_STORE.items():
            response[name] = value
        return response


class TokenV1Api(TokenApi):
    """``POST /v1/token``: the same grant, for Twilio's two older token endpoints that share
    this path on different hosts. oauth v1 (``oauth.twilio.com``) spells the form fields
    ``GrantType``, ``ClientId``, ``ClientSecret``, ``Scope``, ``Audience``; iam v1
    (``iam.twilio.com``) spells them as RFC 6749 does. Without the host, the spelling tells
    them apart; both answer 201 with the same token body."""

    success_status = 201
    field_names = {
        "GrantType": "grant_type",
        "ClientId": "client_id",
        "ClientSecret": "client_secret",
        "Scope": "scope",
        "Audience": "audience",
        "Code": "code",
        "RedirectUri": "redirect_uri",
        "RefreshToken": "refresh_token",
    }
