"""The one translation of API failures into Twilio's error body and the right HTTP status.

Installed as DRF's ``EXCEPTION_HANDLER``. 401 and 403 carry the RFC 6750 §3 Bearer
challenge, so OAuth-aware clients learn whether to fetch a new token (``invalid_token``)
or ask for another permission (``insufficient_scope``). The challenge comes with the
exception (``auth_header``, DRF's convention), worded by ``oauthapps.server.jwt_rules.bearer_challenge``:
the ground floor imports no app, so it words none itself. The OAuth endpoints (token,
introspection, revocation) raise ``OAuthError`` instead: RFC 6749 §5.2's ``error`` and
``error_description`` beside Twilio's fields, never cached, and the Basic challenge on 401
since their clients authenticate with Basic, not Bearer.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.response import Response

from console.errors import twilio_error

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
BASIC_CHALLENGE = 'Basic realm="oauth", charset="UTF-8"'
# An error answer names the first few problems and counts the rest: a hostile body must not
# turn into a bigger answer (one message per item of a 64 KiB list was 2.7 MB).
MAX_PROBLEMS_SHOWN = 5
# Messages may quote the offending value ('"…" is not a valid choice.').
MAX_PROBLEM_CHARS = 200
# A refusal the server words itself (a 403 naming up to 20 permissions the caller lacks) is
# bounded by whoever raises it; this only keeps a runaway message from growing without end.
MAX_MESSAGE_CHARS = 4000


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class OAuthError(exceptions.APIException):
    """An RFC 6749 §5.2 error (``invalid_request``, ``invalid_client``, ...) of an OAuth endpoint."""

    def __init__(self, error: str, description: str, status: int = 400, headers: dict | None = None):
        super().__init__(description)
        self.status_code = status
        self.error = error
        self.description = description
        self.headers = headers or {}


def oauth_error_response(
    error: str, description: str, status: int, headers: dict | None = None
) -> JsonResponse:
    """The RFC 6749 §5.2 body with Twilio's fields beside it, ``no-store``, and on 401 the
    challenge of the scheme the client authenticates with (Basic)."""
    body = {"error": error, "error_description": description, **twilio_error(status, description)}
    response = JsonResponse(body, status=status)
    for name, value in {**NO_STORE, **(headers or {})}.items():
        response[name] = value
    if status == 401:
        response["WWW-Authenticate"] = BASIC_CHALLENGE
    return response


def _flatten(detail, prefix: str = "") -> list[tuple[str, str]]:
    """(field path, message) pairs from DRF's nested error detail."""
    if isinstance(detail, dict):
        pairs = []
        for field, inner in detail.items():
            name = field if field != "non_field_errors" else ""
            pairs.extend(_flatten(inner, f"{prefix}.{name}" if prefix and name else prefix or name))
        return pairs
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [(prefix, str(item)) for item in detail]
        pairs = []
        for index, inner in enumerate(detail):
            pairs.extend(_flatten(inner, f"{prefix}[{index}]"))
        return pairs
    return [(prefix, str(detail))]


def _shortened(text: str) -> str:
    return text if len(text) <= MAX_PROBLEM_CHARS else text[: MAX_PROBLEM_CHARS - 1] + "…"


def _problems(detail) -> tuple[list[tuple[str, str]], int]:
    """The first MAX_PROBLEMS_SHOWN (field path, message) pairs, shortened, and how many more."""
    pairs = _flatten(detail)
    shown = [(_shortened(field), _shortened(message)) for field, message in pairs[:MAX_PROBLEMS_SHOWN]]
    return shown, len(pairs) - len(shown)


def _message(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ValidationError):
        shown, more = _problems(exc.detail)
        text = "; ".join(f"{field}: {message}" if field else message for field, message in shown)
        if more:
            text += f"; and {more} more problem{'s' if more > 1 else ''}."
        return text or "Invalid request."
    text = str(exc.detail)
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


def _as_api_exception(exc: Exception) -> exceptions.APIException | None:
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, Http404):
        return exceptions.NotFound("The requested resource was not found.")
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    return None


def api_exception_handler(exc: Exception, context: dict) -> Response | JsonResponse | None:
    """DRF ``EXCEPTION_HANDLER``: anything else propagates (a real 500, logged by Django)."""
    if isinstance(exc, OAuthError):
        return oauth_error_response(exc.error, exc.description, exc.status_code, exc.headers)
    api_exc = _as_api_exception(exc)
    if api_exc is None:
        return None
    status = api_exc.status_code
    headers = {}
    # The challenge is worded by whoever knows the realm and carried here on the exception:
    # DRF asks the view's authentication for a 401's (a view without one answers 403), the
    # permission that refused with insufficient_scope words a 403's.
    if getattr(api_exc, "auth_header", None):
        headers["WWW-Authenticate"] = api_exc.auth_header
    if isinstance(api_exc, exceptions.Throttled) and api_exc.wait is not None:
        headers["Retry-After"] = str(int(api_exc.wait))
    body = twilio_error(status, _message(api_exc))
    if isinstance(api_exc, exceptions.ValidationError) and isinstance(api_exc.detail, dict):
        # twilio-python's TwilioRestException exposes ``details``; it names each field.
        body["details"] = {field or "request": message for field, message in _problems(api_exc.detail)[0]}
    return Response(body, status=status, headers=headers)


# CSRF exempt: no API authenticates with the console's session cookie, and a POST to an
# unknown path must get this 404, not the CSRF middleware's HTML 403 page.
@csrf_exempt
def api_not_found(request, *args, **kwargs) -> JsonResponse:
    """Unknown ``/v1/...`` and ``/v2/...`` paths, whatever the method: Twilio's 404 body
    instead of the console's HTML page."""
    return JsonResponse(
        twilio_error(404, f"The requested resource {request.path[:200]} was not found."), status=404
    )


def method_not_allowed(request, allowed) -> JsonResponse:
    """Twilio's 405 body, with ``Allow``."""
    response = JsonResponse(
        twilio_error(405, f"Method {request.method[:20]} is not allowed on {request.path[:200]}."),
        status=405,
    )
    response["Allow"] = ", ".join(allowed)
    return response


def api_methods(*methods: str):
    """``require_http_methods`` for a JSON API function view: another method gets Twilio's
    405 body (not an empty HTML response, nor the CSRF middleware's 403 page)."""

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method not in methods:
                return method_not_allowed(request, methods)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
