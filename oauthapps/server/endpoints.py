"""The base of the form-encoded OAuth endpoints: token, introspection, revocation.

``OAuthFormEndpoint`` is a DRF ``APIView`` with one way to read a request and one error
path. DRF's form parser reads the body once, strictly (``StrictFormParser``); the client
authenticates through ``ClientAuthentication`` (oauthapps/server/client_auth.py), lazily,
when the view first reads ``request.user`` (DRF's documented way to put authentication
after the view's own checks and its throttles); every refusal is an ``OAuthError``,
answered by the project's exception handler (console/api_errors.py) as RFC 6749 §5.2 JSON
with Twilio's fields beside it, ``no-store``, the Basic challenge on 401 and Retry-After on
429. A wrong method is a JSON 405, a body over TOKEN_ENDPOINT_MAX_BODY_BYTES a JSON 413.
"""

import codecs
from urllib.parse import parse_qsl

from django.conf import settings
from django.http import QueryDict
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from console.api_errors import OAuthError, oauth_error_response
from oauthapps.server.client_auth import ClientAuthentication
from oauthapps.server.client_limits import ClientThrottled

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


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


class NoParametersParser(BaseParser):
    """A body of another type carries no parameters, as Django's ``request.POST`` reads it:
    the endpoint then answers for the missing ones (the token endpoint refuses the type)."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return QueryDict()


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


class FirstRenderer(DefaultContentNegotiation):
    """The OAuth endpoints answer JSON whatever ``Accept`` says, as they always have: a
    client's odd Accept header must not turn a token into a 406."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def check_form_charset(request) -> None:
    """A form body is UTF-8 (RFC 6749 Appendix B): any other declared charset is refused
    here, as RFC 6749 JSON, before a parser refuses it otherwise."""
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
    before anything parses it (Django's own limit would answer an HTML 400)."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    limit = settings.TOKEN_ENDPOINT_MAX_BODY_BYTES
    if not declared.isdigit() or int(declared) > limit or len(request.body) > limit:
        raise OAuthError("invalid_request", f"The request body is larger than {limit} bytes.", status=413)


@method_decorator(
    sensitive_post_parameters("client_secret", "ClientSecret", "client_assertion", "token"), name="dispatch"
)
class OAuthFormEndpoint(APIView):
    """A POSTed form from a client that authenticates as one of our apps.

    Subclasses set ``name`` (for the 405's wording) and write ``post``; ``check_request``
    refuses a malformed request before it is counted by the view's throttles, and the client
    authenticates when ``post`` first reads ``request.user`` (the app) or ``request.auth``
    (its ``ClientCredential``)."""

    name = ""
    http_method_names = ["post"]
    invalid_client_description = "Authenticate with the Client ID and Client Secret of an app."

    authentication_classes = [ClientAuthentication]
    permission_classes = []
    # multipart/form-data as Django's ``request.POST`` reads it: clients of the introspection
    # and revocation endpoints have sent it (the token endpoint refuses any but the form type).
    parser_classes = [StrictFormParser, MultiPartParser, NoParametersParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FirstRenderer
    throttle_classes = []
    # Not in the generated description: the token endpoint is described by hand
    # (oauthapps/api/openapi.py); introspection and revocation were never listed.
    schema = None
    refusal = "unknown"  # the RFC 6749 error of a refused request, for the metrics

    @property
    def default_response_headers(self) -> dict:
        return {}  # no DRF ``Allow``/``Vary`` on every answer: the headers stay as they were

    def http_method_not_allowed(self, request, *args, **kwargs):
        response = oauth_error_response(
            "invalid_request", f"The {self.name} endpoint accepts only POST requests.", status=405
        )
        response["Allow"] = "POST"
        return response

    def initial(self, request, *args, **kwargs):
        # The request's shape comes before the throttles: a malformed request is refused
        # without being counted. Other methods get their 405 or OPTIONS answer.
        if request.method == "POST":
            self.check_request(request)
        super().initial(request, *args, **kwargs)

    def check_request(self, request) -> None:
        """Refuse a malformed request (RFC 6749 §5.2): the body's charset and size, and a
        malformed or doubled client authentication."""
        check_form_charset(request)
        check_form_size(request)
        self.client_authentication(request).chosen(request)

    @staticmethod
    def client_authentication(request) -> ClientAuthentication:
        return request.authenticators[0]

    def perform_authentication(self, request) -> None:
        """Lazily, when ``post`` reads ``request.user``: after the checks and the throttles."""

    def handle_exception(self, exc):
        if isinstance(exc, ClientThrottled):  # a limit per client: 429 with Retry-After
            exc = exc.oauth_error()
        if isinstance(exc, OAuthError):
            self.refusal = exc.error
        return super().handle_exception(exc)

    def check_throttles(self, request):
        if request.method == "POST":
            super().check_throttles(request)

    def throttled(self, request, wait):
        retry_after = int(wait or 1)
        raise OAuthError(
            "too_many_requests",
            f"Too many {self.name} requests from this address; retry after {retry_after} seconds.",
            status=429,
            headers={"Retry-After": str(retry_after)},
        )
