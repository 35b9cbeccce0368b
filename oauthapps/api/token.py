"""``POST /v2/token``: the client credentials grant (RFC 6749 §4.4), Twilio's path.

The protocol is oauthlib's, reached through django-oauth-toolkit's OAuthLibMixin and our
validator. This view only adds what they leave out: strict request shape checks (content
type, size, repeated parameters, Basic header syntax, audience), the response body of
docs/domain.md, and Twilio's error fields beside the RFC 6749 §5.2 ones.
"""

import codecs
import json
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.http import JsonResponse, QueryDict
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider.views.mixins import OAuthLibMixin

from console.actors import client_ip
from console.errors import twilio_error
from console.metrics import THROTTLED
from console.throttling import Limit, limit_hit
from oauthapps import metrics
from oauthapps.client_limits import ClientThrottled
from oauthapps.validator import MalformedBasicAuth, basic_credentials

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
BASIC_CHALLENGE = 'Basic realm="oauth", charset="UTF-8"'

# What to tell the caller when oauthlib's own description is generic.
ERROR_MESSAGES = {
    "invalid_client": (
        "Client authentication failed: the client_id is unknown or deleted, or the client_secret is wrong, "
        "revoked or past its grace period. Send the app's Client ID and current Client Secret."
    ),
    "unauthorized_client": "This app may not use the client_credentials grant.",
}


class TokenRequestError(Exception):
    def __init__(self, error: str, description: str, status: int = 400, headers: dict | None = None):
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.headers = headers or {}


def _check_rate(request) -> None:
    """Requests per source address, whoever they name: a flood from one address is slowed
    down before it costs a database query. The limits per client are in
    oauthapps/client_limits.py: nobody but the client can use them up."""
    limit = Limit.parse("token-ip", settings.THROTTLE_TOKEN_PER_IP)
    verdict = limit_hit(limit, client_ip(request) or "unknown")
    if not verdict.allowed:
        THROTTLED.labels(limit=limit.name).inc()
        raise TokenRequestError(
            "too_many_requests",
            f"Too many token requests from this address; retry after {verdict.retry_after} seconds.",
            status=429,
            headers={"Retry-After": str(verdict.retry_after)},
        )


def throttled_response(retry_after: int, description: str) -> JsonResponse:
    """429 with Retry-After, in the RFC 6749 §5.2 shape with Twilio's fields beside it."""
    return token_error_response("too_many_requests", description, 429, {"Retry-After": str(retry_after)})


def token_error_response(
    error: str, description: str, status: int, headers: dict | None = None
) -> JsonResponse:
    body = {"error": error, "error_description": description, **twilio_error(status, description)}
    response = JsonResponse(body, status=status)
    for name, value in {**NO_STORE, **(headers or {})}.items():
        response[name] = value
    if status == 401:
        response["WWW-Authenticate"] = BASIC_CHALLENGE  # RFC 6749 §5.2: match the client's scheme
    return response


def check_form_charset(request) -> None:
    """A form body is UTF-8 (RFC 6749 Appendix B): any other declared charset is refused
    here, as RFC 6749 JSON, before Django's form parser refuses it with an HTML 400.
    Shared by the token, introspection and revocation endpoints."""
    charset = request.content_params.get("charset")
    if charset is None:
        return
    try:
        utf8 = codecs.lookup(charset.strip('"')).name == "utf-8"
    except LookupError:
        utf8 = False
    if not utf8:
        raise TokenRequestError(
            "invalid_request",
            f"Send the form body as UTF-8 (RFC 6749 Appendix B); the declared charset was {charset[:40]}.",
        )


def _check_shape(request, field_names: dict[str, str] | None = None) -> str | None:
    """Refuse what oauthlib would misread or silently accept (RFC 6749 §3.2, §5.2).
    ``field_names`` renames another spelling of the form fields to RFC 6749's (Twilio's
    oauth v1 ``GrantType``); oauthlib then reads the renamed form. Returns the Client ID
    the request names (body or Basic header), if any."""
    content_type = request.content_type or ""
    if content_type != FORM_CONTENT_TYPE:
        raise TokenRequestError(
            "invalid_request",
            f"Send the token request as {FORM_CONTENT_TYPE} (RFC 6749 §4.4.2); "
            f"the Content-Type was {content_type or 'missing'}.",
        )
    check_form_charset(request)
    declared = request.META.get("CONTENT_LENGTH") or "0"
    limit = settings.TOKEN_ENDPOINT_MAX_BODY_BYTES
    if not declared.isdigit() or int(declared) > limit or len(request.body) > limit:
        raise TokenRequestError(
            "invalid_request", f"The request body is larger than {limit} bytes.", status=413
        )
    try:
        pairs = parse_qsl(
            request.body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(request.body)
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise TokenRequestError(
            "invalid_request", "The request body is not valid UTF-8 form encoding."
        ) from exc
    seen = set()
    for name, _value in pairs:
        if name in seen:
            raise TokenRequestError(
                "invalid_request",
                f"The parameter '{name}' is repeated; send each parameter once (RFC 6749 §3.2).",
            )
        seen.add(name)
    params = dict(pairs)
    if field_names:
        params = _renamed(request, params, field_names)
    if not params.get("grant_type"):
        raise TokenRequestError(
            "invalid_request", "The grant_type parameter is missing; send grant_type=client_credentials."
        )
    if params["grant_type"] != "client_credentials":
        raise TokenRequestError(
            "unsupported_grant_type",
            f"grant_type '{params['grant_type'][:64]}' is not supported; this server issues tokens only for "
            "grant_type=client_credentials.",
        )
    try:
        basic = basic_credentials(request.headers.get("Authorization"))
    except MalformedBasicAuth as exc:
        raise TokenRequestError("invalid_request", str(exc)) from exc
    if basic and basic[0].startswith("OQ") and params.get("client_secret"):
        raise TokenRequestError(
            "invalid_request",
            "The client authenticated twice (Basic header and client_secret in the body); "
            "use one method only.",
        )
    audience = params.get("audience")
    if audience and audience not in settings.TOKEN_AUDIENCES:
        raise TokenRequestError(
            "invalid_target",
            "The audience is not one this server issues tokens for; use one of: "
            + ", ".join(settings.TOKEN_AUDIENCES),
        )
    return params.get("client_id") or (basic[0] if basic else None)


def _renamed(request, params: dict, field_names: dict[str, str]) -> dict:
    """The form with ``field_names``' spellings replaced by RFC 6749's, in one spelling only."""
    other = [name for name in params if name in field_names]
    rfc = [name for name in params if name in field_names.values()]
    if other and rfc:
        raise TokenRequestError(
            "invalid_request",
            f"The form mixes two spellings ({other[0]} and {rfc[0]}); use one of them for every field.",
        )
    renamed = {field_names.get(name, name): value for name, value in params.items()}
    if other:
        request.POST = QueryDict(urlencode(renamed))  # what DOT hands to oauthlib
    return renamed


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(sensitive_post_parameters("client_secret", "ClientSecret"), name="dispatch")
class TokenApi(OAuthLibMixin, View):
    http_method_names = ["post", "options"]
    # Twilio's oauth v2 answers 200 (RFC 6749 §5.1); its oauth and iam v1 answer 201.
    success_status = 200
    field_names: dict[str, str] | None = None

    def http_method_not_allowed(self, request, *args, **kwargs):
        response = token_error_response(
            "invalid_request", "The token endpoint accepts only POST requests.", status=405
        )
        response["Allow"] = "POST"
        return response

    def post(self, request, *args, **kwargs):
        with metrics.TOKEN_LATENCY.time():
            response = self._answer(request)
        if response.status_code == self.success_status:
            metrics.TOKENS_ISSUED.inc()
        else:
            metrics.TOKENS_REFUSED.labels(error=self._error_of(response)).inc()
        return response

    @staticmethod
    def _error_of(response) -> str:
        try:
            return json.loads(response.content).get("error", "unknown")
        except ValueError:
            return "unknown"

    def _answer(self, request):
        try:
            client_id = _check_shape(request, self.field_names)
            _check_rate(request)
        except TokenRequestError as exc:
            return token_error_response(exc.error, exc.description, exc.status, exc.headers)
        if client_id and client_id.startswith("OQ"):
            request.log_client_id = client_id[:34]
        try:
            _url, headers, body, status = self.create_token_response(request)
        except ClientThrottled as exc:
            return throttled_response(exc.retry_after, exc.description)
        payload = json.loads(body or "{}")
        if status != 200:
            error = payload.get("error", "invalid_request")
            description = ERROR_MESSAGES.get(error) or payload.get("error_description") or error
            return token_error_response(error, description, status)
        response = JsonResponse(
            {
                "access_token": payload["access_token"],
                "refresh_token": None,
                "id_token": None,
                "token_type": "Bearer",
                "expires_in": int(payload["expires_in"]),
                # RFC 6749 §5.1: scope is returned because it may differ from what was asked.
                "scope": payload.get("scope", ""),
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
