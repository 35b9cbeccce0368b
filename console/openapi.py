"""The OpenAPI 3 description of the public APIs (drf-spectacular), and its docs pages.

DRF views describe themselves; this module adds what they cannot: Twilio's error
responses on every operation, and ``POST /v2/token``, which is a plain Django view
(oauthlib's protocol, reached through django-oauth-toolkit). Each app describes its own
authentication classes (``oauthapps/api/openapi.py``: the Bearer scheme).
"""

from django.urls import path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

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

TOKEN_ERROR = {
    "type": "object",
    "description": "RFC 6749 §5.2 error, with Twilio's error fields in the same body.",
    "properties": {
        "error": {"type": "string", "example": "invalid_client"},
        "error_description": {"type": "string"},
        **TWILIO_ERROR["properties"],
    },
    "required": ["error", "code", "message", "more_info", "status"],
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


class RedocView(SpectacularRedocView):
    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = REDOC_POLICY
        return response


def _token_operation() -> dict:
    form = {
        "type": "object",
        "properties": {
            "grant_type": {"type": "string", "enum": ["client_credentials"]},
            "client_id": {"type": "string", "example": "OQ0123456789abcdef0123456789abcdef"},
            "client_secret": {"type": "string", "format": "password"},
            "scope": {"type": "string", "description": "Space-separated subset of the app's permissions."},
            "audience": {"type": "string"},
        },
        "required": ["grant_type"],
    }
    token = {
        "type": "object",
        "properties": {
            "access_token": {"type": "string", "description": "A JWT (RFC 9068 profile)."},
            "refresh_token": {"type": "string", "nullable": True},
            "id_token": {"type": "string", "nullable": True},
            "token_type": {"type": "string", "enum": ["Bearer"]},
            "expires_in": {"type": "integer", "example": 3600},
            "scope": {"type": "string"},
        },
        "required": ["access_token", "token_type", "expires_in"],
    }
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/TokenError"}}}
    return {
        "post": {
            "operationId": "CreateToken",
            "tags": ["OAuth: token"],
            "summary": "Issue an access token (client credentials grant, RFC 6749 §4.4).",
            "description": "Authenticate with client_id and client_secret in the form (client_secret_post) "
            "or in HTTP Basic (client_secret_basic).",
            "security": [{"clientBasic": []}, {}],
            "requestBody": {
                "required": True,
                "content": {"application/x-www-form-urlencoded": {"schema": form}},
            },
            "responses": {
                "200": {"description": "A Bearer token.", "content": {"application/json": {"schema": token}}},
                **{
                    status: {"description": text, "content": error}
                    for status, text in {
                        "400": "invalid_request, unsupported_grant_type, invalid_scope, invalid_target.",
                        "401": "invalid_client.",
                        "405": "Only POST.",
                        "413": "The form is too large.",
                        "429": "Throttled; see Retry-After.",
                    }.items()
                },
            },
        }
    }


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
    """drf-spectacular POSTPROCESSING_HOOK: errors, security schemes and the token endpoint."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {}).update(TwilioError=TWILIO_ERROR, TokenError=TOKEN_ERROR)
    components.setdefault("securitySchemes", {})["clientBasic"] = {
        "type": "http",
        "scheme": "basic",
        "description": "client_secret_basic: the Client ID and Client Secret (token endpoint only).",
    }
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            _add_error_responses(operation, method)
    result["paths"]["/v2/token"] = _token_operation()
    return result


urlpatterns = [
    path("v1/openapi.json", SpectacularJSONAPIView.as_view(), name="openapi-schema"),
    path("v1/docs", SpectacularSwaggerSplitView.as_view(url_name="openapi-schema"), name="openapi-docs"),
    path("v1/redoc", RedocView.as_view(url_name="openapi-schema"), name="openapi-redoc"),
]
