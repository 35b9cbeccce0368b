"""The base of our Twilio-style JSON APIs: JSON in and out, bounded bodies, honest 405s.

Authentication and permissions are declared by each app's views (Bearer token and
catalog permission); this class only fixes the wire behaviour they share.
"""

import io

from rest_framework.exceptions import MethodNotAllowed, ParseError, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from console.api_errors import PayloadTooLarge

# Our request bodies are small: 100 allowed + 100 denied permissions and a 1000-character
# description fit in well under 32 KiB even with every character \u-escaped.
API_MAX_BODY_BYTES = 64 * 1024


class BoundedJSONParser(JSONParser):
    """JSON bodies up to the view's ``max_body_bytes``, whatever Content-Length claims
    (a chunked body declares none)."""

    def parse(self, stream, media_type=None, parser_context=None):
        view = (parser_context or {}).get("view")
        limit = getattr(view, "max_body_bytes", API_MAX_BODY_BYTES)
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            # json.load raises RecursionError, not ValueError, for absurdly nested input.
            raise ParseError("JSON parse error - the document is nested too deeply.") from None


class TwilioApiView(APIView):
    """JSON only; errors through console.api_errors; OPTIONS and unknown methods are 405."""

    parser_classes = [BoundedJSONParser]
    renderer_classes = [JSONRenderer]
    http_method_names = ["get", "post", "put", "delete", "head"]
    max_body_bytes = API_MAX_BODY_BYTES
    # The query parameters the view understands; any other is a 400 (None: not checked).
    # A mistyped filter (``Eventtype``) must not silently widen an audit query.
    query_parameters: tuple[str, ...] | None = ()

    def initial(self, request, *args, **kwargs):
        # Before authentication and permissions: a method this resource lacks is 405 for
        # everyone, not a 403 "your token lacks the permission for PATCH".
        if not hasattr(self, request.method.lower()) or request.method.lower() not in self.http_method_names:
            raise MethodNotAllowed(request.method)
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise PayloadTooLarge(f"The request body is larger than {self.max_body_bytes} bytes.")
        super().initial(request, *args, **kwargs)
        if self.query_parameters is not None:
            unknown = sorted(set(request.query_params) - set(self.query_parameters))
            if unknown:
                known = ", ".join(self.query_parameters) or "none"
                raise ValidationError(
                    {name[:40]: f"Unknown parameter; this resource takes: {known}." for name in unknown}
                )
