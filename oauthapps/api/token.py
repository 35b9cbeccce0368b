"""``POST /v2/token``: the client credentials grant (RFC 6749 §4.4), Twilio's path.

A DRF ``APIView``: DRF's form parser reads the body once (strictly: see
``StrictFormParser``), a DRF throttle counts requests per address, and the project's one
exception handler (console/api_errors.py) answers every refusal as RFC 6749 §5.2 with
Twilio's fields beside it. The view checks the request's shape (content type, size,
repeated parameters, grant type, Basic header syntax, audience, URL query), decoding the
Basic header once, and hands what it read to the grant (oauthapps/grant.py), whose answer
it encodes once as the response body of docs/domain.md.
"""

import codecs
from urllib.parse import parse_qsl

from django.conf import settings
from django.http import JsonResponse, QueryDict
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser
from rest_framework.renderers import JSONRenderer
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from console.actors import client_ip
from console.api_errors import NO_STORE, OAuthError, oauth_error_response
from console.metrics import THROTTLED
from console.throttling import Limit, limit_hit
from oauthapps import metrics
from oauthapps.authentication import is_client_id
from oauthapps.client_credentials import MalformedBasicAuth, client_basic_credentials, client_credentials
from oauthapps.client_limits import ClientThrottled
from oauthapps.grant import client_credentials_grant
from oauthapps.server.dpop import InvalidProof, NonceRequired
from oauthapps.server.dpop_proofs import dpop_nonce, proof_accept, request_uris

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

# Twilio's oauth v2 spec puts ``account_sid`` in the query of POST /v2/token (twilio-python
# sends it there). Anything else in a token request's URL is refused: credentials in a URL
# end up in access logs (RFC 6749 §3.2 sends the request's parameters in the body).
TOKEN_QUERY_PARAMETERS = frozenset({"account_sid"})


class TokenAddressThrottle(BaseThrottle):
    """Requests per source address, whoever they name: a flood from one address is slowed
    down before it costs a database query. The limits per client are in
    oauthapps/client_limits.py: nobody but the client can use them up.

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


class StrictFormParser(FormParser):
    """DRF's form parser, refusing what Django's lenient one would let through: a body
    that is not UTF-8 form encoding, and a repeated parameter (RFC 6749 §3.2). A view's
    ``field_names`` renames another spelling of the fields to RFC 6749's (Twilio's oauth v1
    ``GrantType``), so everything after the parser, the grant included, reads one form."""

    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read()
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
        except (UnicodeDecodeError, ValueError) as exc:
            raise OAuthError("invalid_request", "The request body is not valid UTF-8 form encoding.") from exc
        params = {}
        for name, value in pairs:
            if name in params:
                raise OAuthError(
                    "invalid_request",
                    f"The parameter '{name}' is repeated; send each parameter once (RFC 6749 §3.2).",
                )
            params[name] = value
        field_names = getattr((parser_context or {}).get("view"), "field_names", None)
        if field_names:
            params = _renamed(params, field_names)
        form = QueryDict(mutable=True)
        for name, value in params.items():
            form[name] = value
        return form


class FirstRenderer(DefaultContentNegotiation):
    """The token endpoint answers JSON whatever ``Accept`` says, as it always has: a
    client's odd Accept header must not turn a token into a 406."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


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
        raise OAuthError(
            "invalid_request",
            f"Send the form body as UTF-8 (RFC 6749 Appendix B); the declared charset was {charset[:40]}.",
        )


def check_form_size(request) -> None:
    """A form body of at most TOKEN_ENDPOINT_MAX_BODY_BYTES, refused as RFC 6749 JSON (413)
    before anything parses it (Django's own limit would answer an HTML 400). Shared by the
    token, introspection and revocation endpoints."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    limit = settings.TOKEN_ENDPOINT_MAX_BODY_BYTES
    if not declared.isdigit() or int(declared) > limit or len(request.body) > limit:
        raise OAuthError("invalid_request", f"The request body is larger than {limit} bytes.", status=413)


def _check_shape(request) -> tuple[str, str]:
    """Refuse a malformed request before it is counted (RFC 6749 §3.2, §5.2), in this
    order. Returns the credentials it presents (Client ID, secret), Basic decoded once."""
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
    try:
        # The one reading of the header (oauthapps/client_credentials.py): Basic counts only
        # when it names one of our clients.
        basic = client_basic_credentials(request.headers.get("Authorization"))
    except MalformedBasicAuth as exc:
        raise OAuthError("invalid_request", str(exc)) from exc
    if basic and params.get("client_secret"):
        raise OAuthError(
            "invalid_request",
            "The client authenticated twice (Basic header and client_secret in the body); "
            "use one method only.",
        )
    audience = params.get("audience")
    if audience and audience not in settings.TOKEN_AUDIENCES:
        raise OAuthError(
            "invalid_target",
            "The audience is not one this server issues tokens for; use one of: "
            + ", ".join(settings.TOKEN_AUDIENCES),
        )
    return client_credentials(
        basic=basic, client_id=params.get("client_id"), client_secret=params.get("client_secret")
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


def _renamed(params: dict, field_names: dict[str, str]) -> dict:
    """The form with ``field_names``' spellings replaced by RFC 6749's, in one spelling only."""
    other = [name for name in params if name in field_names]
    rfc = [name for name in params if name in field_names.values()]
    if other and rfc:
        raise OAuthError(
            "invalid_request",
            f"The form mixes two spellings ({other[0]} and {rfc[0]}); use one of them for every field.",
        )
    return {field_names.get(name, name): value for name, value in params.items()}


def _dpop_binding(request) -> str | None:
    """The thumbprint of the key a ``DPoP`` header's proof proves (RFC 9449 §5), for a POST to
    this endpoint's URL; None without the header. A bad or replayed proof is a 400; with
    DPOP_NONCES, one without a current nonce is a 400 ``use_dpop_nonce`` carrying one (§8)."""
    proof = request.headers.get("DPoP")
    if proof is None:
        return None
    try:
        return proof_accept(
            proof, method="POST", uris=request_uris(request), with_nonce=settings.DPOP_NONCES
        ).jkt
    except InvalidProof as exc:
        headers = {"DPoP-Nonce": dpop_nonce()} if isinstance(exc, NonceRequired) else None
        raise OAuthError(exc.error, str(exc), headers=headers) from None


def throttled_response(retry_after: int, description: str) -> JsonResponse:
    """429 with Retry-After, in the RFC 6749 §5.2 shape with Twilio's fields beside it."""
    return oauth_error_response("too_many_requests", description, 429, {"Retry-After": str(retry_after)})


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(sensitive_post_parameters("client_secret", "ClientSecret"), name="dispatch")
class TokenApi(APIView):
    http_method_names = ["post", "options"]
    # Twilio's oauth v2 answers 200 (RFC 6749 §5.1); its oauth and iam v1 answer 201.
    success_status = 200
    field_names: dict[str, str] | None = None

    authentication_classes = []  # the client authenticates in the grant, from the form or Basic
    permission_classes = []
    parser_classes = [StrictFormParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FirstRenderer
    throttle_classes = [TokenAddressThrottle]
    schema = None  # described by hand in oauthapps/api/openapi.py
    refusal = "unknown"  # the RFC 6749 error of a refused request, for the metrics

    @property
    def default_response_headers(self) -> dict:
        return {}  # no DRF ``Allow``/``Vary`` on every answer: the headers stay as they were

    def http_method_not_allowed(self, request, *args, **kwargs):
        response = oauth_error_response(
            "invalid_request", "The token endpoint accepts only POST requests.", status=405
        )
        response["Allow"] = "POST"
        return response

    def options(self, request, *args, **kwargs):
        return View.options(self, request, *args, **kwargs)  # Django's: Allow, no body

    def initial(self, request, *args, **kwargs):
        # The shape comes before the address limit, as it always has: a malformed request
        # is refused without being counted. Other methods get their 405 or OPTIONS answer.
        if request.method == "POST":
            request.token_credentials = _check_shape(request)
        super().initial(request, *args, **kwargs)

    def check_throttles(self, request):
        if request.method == "POST":
            super().check_throttles(request)

    def throttled(self, request, wait):
        retry_after = int(wait or 1)
        raise OAuthError(
            "too_many_requests",
            f"Too many token requests from this address; retry after {retry_after} seconds.",
            status=429,
            headers={"Retry-After": str(retry_after)},
        )

    def handle_exception(self, exc):
        if isinstance(exc, ClientThrottled):
            exc = OAuthError(
                "too_many_requests",
                exc.description,
                status=429,
                headers={"Retry-After": str(exc.retry_after)},
            )
        if isinstance(exc, OAuthError):
            self.refusal = exc.error
        return super().handle_exception(exc)

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

    def post(self, request, *args, **kwargs):
        credentials = request.token_credentials
        if is_client_id(credentials[0]):
            request._request.log_client_id = credentials[0]  # read by the request log
        account_sid = _account_sid(request)
        granted = client_credentials_grant(
            form=request.data,
            credentials=credentials,
            address=client_ip(request),
            account_sid=account_sid,
            dpop_jkt=_dpop_binding(request),
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
        if settings.DPOP_NONCES:
            response["DPoP-Nonce"] = dpop_nonce()  # RFC 9449 §8.2: the next one, ahead of time
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
