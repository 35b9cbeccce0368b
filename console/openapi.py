"""The OpenAPI 3 description of the public APIs (drf-spectacular), and its docs pages.

DRF views describe themselves; this module adds what they cannot: Twilio's error
responses on every operation. Each app describes the rest of its own surface in its own
module (``oauthapps/api/openapi.py``: the Bearer scheme and ``POST /v2/token``, a DRF
view without a serializer, whose form fields and RFC 6749 answers drf-spectacular cannot
infer).
"""

from django.http import HttpResponse, JsonResponse
from django.urls import path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from console.api_errors import method_not_allowed

TWILIO_ERROR = {
    "type": "object",
    "description": "Twilio's error body; 400s add ``details``, naming each invalid field.",
    "properties": {
        "code": {"type": "integer", "example": 20404},
        "message": {"type": "string"},
        "more_info": {"type": "string", "format": "uri"},
        "status": {"type": "integer", "example": 404},
        "details": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["code", "message", "more_info", "status"],
}

ERROR_DESCRIPTIONS = {
    "400": "Invalid parameter: the message and ``details`` name the field and the reason.",
    "401": "No, invalid, expired or revoked access token (``WWW-Authenticate: Bearer``).",
    "403": 'The token lacks the permission (``WWW-Authenticate: Bearer error="insufficient_scope"``).',
    "404": "No such resource in the token's account.",
    "405": "The resource does not support this method.",
    "406": "The client does not accept JSON.",
    "413": "The request body is too large.",
    "415": "The request body is not JSON.",
    "429": "Too many requests; see Retry-After.",
}
BODY_METHODS = {"post", "put", "patch"}

# Redoc styles itself with inline <style> and renders in a blob: worker. The page shows no
# data, only the public description, so it alone gets a policy that allows both.
REDOC_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "worker-src blob:; font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


class DocumentationPage:
    """The HTML pages (Swagger UI, Redoc) answer another method like the rest of the API.

    DRF's answers would go through the page's TemplateHTMLRenderer, which has no template for
    OPTIONS' metadata (a 500) and words a 405 as bare text.
    """

    def options(self, request, *args, **kwargs) -> HttpResponse:
        # A page has no metadata to describe: 200 with Allow (set by DRF), as Django answers.
        return HttpResponse()

    def http_method_not_allowed(self, request, *args, **kwargs) -> JsonResponse:
        return method_not_allowed(request, self.allowed_methods)


class SwaggerView(DocumentationPage, SpectacularSwaggerSplitView):
    """Swagger UI, its script served apart for the strict CSP."""


class RedocView(DocumentationPage, SpectacularRedocView):
    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = REDOC_POLICY
        return response


def _add_error_responses(operation: dict, method: str) -> None:
    statuses = ["400", "401", "403", "404", "405", "406", "429"]
    if method in BODY_METHODS:
        statuses += ["413", "415"]
    for status in statuses:
        operation["responses"].setdefault(
            status,
            {
                "description": ERROR_DESCRIPTIONS[status],
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TwilioError"}}},
            },
        )


def postprocess(result: dict, generator, request, public) -> dict:
    """drf-spectacular POSTPROCESSING_HOOK: Twilio's error responses on every operation."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["TwilioError"] = TWILIO_ERROR
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            _add_error_responses(operation, method)
    return result


urlpatterns = [
    path("v1/openapi.json", SpectacularJSONAPIView.as_view(), name="openapi-schema"),
    path("v1/docs", SwaggerView.as_view(url_name="openapi-schema"), name="openapi-docs"),
    path("v1/redoc", RedocView.as_view(url_name="openapi-schema"), name="openapi-redoc"),
]
