"""Forward-auth for API gateways: may this Bearer token make the request the gateway holds?

nginx (``auth_request``), Traefik (ForwardAuth) and Envoy (``ext_authz`` over HTTP, set to
send X-Original-Method and X-Original-URI) ask before they pass a request upstream. The answer
is the status alone: 200 lets the request through with the app's identity in response headers,
401 and 403 carry the RFC 6750 §3 challenge. A request the catalog maps to no permission is
refused, never allowed by default.

The host picks the catalog's API, and with it the permission (``DELETE /v1/Services/{Sid}``
is messaging's and serverless's): the proxy must send the protected API's host from its own
configuration, never the client's ``Host`` (docs/nginx-gateway.conf, docs/resource-server.md).
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import AuthenticationFailed

from console.errors import twilio_error
from oauthapps.server.bearer import api_challenge, bearer_grant
from scopes.resolver import grants, path_account_sids, required_permission

# nginx sends X-Original-*, Traefik X-Forwarded-*. When both arrive and disagree, one of them
# came from the client through a proxy that does not overwrite it: refuse rather than guess.
METHOD_HEADERS = ("X-Original-Method", "X-Forwarded-Method")
URI_HEADERS = ("X-Original-URI", "X-Forwarded-Uri")
HOST_HEADERS = ("X-Forwarded-Host", "X-Original-Host")


class UnreadableOriginalRequest(Exception):
    """The gateway did not say which request it is asking about, or said it twice differently."""


@dataclass(frozen=True)
class OriginalRequest:
    """The client's request as the gateway saw it."""

    method: str
    host: str
    uri: str


def _single_header(request, names: tuple[str, ...]) -> str | None:
    values = {request.headers[name].strip() for name in names if name in request.headers}
    if len(values) > 1:
        raise UnreadableOriginalRequest(f"{' and '.join(names)} disagree.")
    return values.pop() if values else None


def original_request(request) -> OriginalRequest:
    method = _single_header(request, METHOD_HEADERS)
    uri = _single_header(request, URI_HEADERS)
    if not method or not uri:
        raise UnreadableOriginalRequest(
            "Send the original request in X-Original-Method and X-Original-URI "
            "(or X-Forwarded-Method and X-Forwarded-Uri)."
        )
    host = _single_header(request, HOST_HEADERS) or request.headers.get("Host", "")
    if "," in host:
        raise UnreadableOriginalRequest("The original host must be one host, not a list.")
    return OriginalRequest(method=method.upper(), host=host, uri=uri)


def _refusal(status: int, message: str, challenge: str | None = None) -> JsonResponse:
    response = JsonResponse(twilio_error(status, message), status=status)
    if challenge:
        response["WWW-Authenticate"] = challenge
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
def gateway_check(request) -> HttpResponse:
    """``/v1/gateway/check``. Any method is answered alike: nginx relays the client's method
    unless told ``proxy_method GET``, and the method that matters is X-Original-Method."""
    try:
        original = original_request(request)
    except UnreadableOriginalRequest as exc:
        return _refusal(400, str(exc))
    try:
        # The one Bearer parser of our APIs; the app itself is not loaded, its ids suffice.
        grant = bearer_grant(
            request.META.get("HTTP_AUTHORIZATION", "").encode("latin-1"),
            audiences=settings.GATEWAY_AUDIENCES or settings.TOKEN_AUDIENCES,
        )
    except AuthenticationFailed as exc:
        return _refusal(401, str(exc.detail), api_challenge(error="invalid_token"))
    if grant is None:
        # RFC 6750 §3.1: a request without credentials gets a challenge with no error code.
        return _refusal(
            401,
            "Send an access token: 'Authorization: Bearer <token>' (get one from /v2/token).",
            api_challenge(),
        )
    request.log_client_id = grant.client_id
    permission = required_permission(original.method, original.host, original.uri)
    if permission is None:
        return _refusal(
            403,
            f"No permission of the catalog covers {original.method} {original.uri.split('?', 1)[0]} "
            f"on {original.host}; requests outside the catalog are refused.",
            api_challenge(error="insufficient_scope"),
        )
    if any(sid != grant.account_sid for sid in path_account_sids(original.uri) or ()):
        # A token acts for its own account only, whatever the permission: account A's
        # token must not send account B's messages.
        return _refusal(
            403,
            f"The access token is for account {grant.account_sid}; the request names another account.",
            api_challenge(error="insufficient_scope"),
        )
    if not grants(grant.scopes, permission.name):
        return _refusal(
            403,
            f"The access token does not grant {permission.name}; add it to the app's OAuth Scopes.",
            api_challenge(error="insufficient_scope", scope=permission.name),
        )
    response = HttpResponse(status=200)
    response["X-OAuth-Client-Id"] = grant.client_id
    response["X-OAuth-Account-Sid"] = grant.account_sid
    response["X-OAuth-Scope"] = permission.name
    response["Cache-Control"] = "no-store"
    return response
