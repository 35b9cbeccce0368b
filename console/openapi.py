"""The OpenAPI 3 description of the public APIs (drf-spectacular), and its docs pages.

DRF views describe themselves; this module adds what they cannot: the Bearer security
scheme, Twilio's error responses on every operation, and ``POST /v2/token``, which is a
plain Django view (oauthlib's protocol, reached through django-oauth-toolkit).
"""

from django.urls import path
from drf_spectacular.extensions import OpenApiAuthenticationExtension
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


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "oauthapps.api.bearer.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from POST /v2/token (client credentials); each operation "
            "needs the catalog permission named in its description.",
        }


def _token_form(names: dict[str, str]) -> dict:
    """The token request's form, with each field spelled as ``names`` says."""
    return {
        "type": "object",
        "properties": {
            names["grant_type"]: {"type": "string", "enum": ["client_credentials"]},
            names["client_id"]: {"type": "string", "example": "OQ0123456789abcdef0123456789abcdef"},
            names["client_secret"]: {"type": "string", "format": "password"},
            names["scope"]: {
                "type": "string",
                "description": "Space-separated subset of the app's permissions.",
            },
            names["audience"]: {"type": "string"},
        },
        "required": [names["grant_type"]],
    }


RFC_NAMES = {name: name for name in ("grant_type", "client_id", "client_secret", "scope", "audience")}
# Twilio's oauth v1 spelling of the same fields.
OAUTH_V1_NAMES = {
    "grant_type": "GrantType",
    "client_id": "ClientId",
    "client_secret": "ClientSecret",
    "scope": "Scope",
    "audience": "Audience",
}


def _token_operation(*, version: str) -> dict:
    token = {
        "type": "object",
        "properties": {
            "access_token": {"type": "string", "description": "A JWT (RFC 9068 profile)."},
            "refresh_token": {"type": "string", "nullable": True},
            "id_token": {"type": "string", "nullable": True},
            "token_type": {"type": "string", "enum": ["Bearer"]},
            "expires_in": {
                "type": "integer",
                "example": 3600,
                "description": "The app's Token expiration time (access_token_ttl), in seconds.",
            },
            "scope": {"type": "string"},
        },
        "required": ["access_token", "token_type", "expires_in"],
    }
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/TokenError"}}}
    if version == "v2":
        operation_id, success, form = "CreateToken", "200", _token_form(RFC_NAMES)
        summary = "Issue an access token (client credentials grant, RFC 6749 §4.4)."
        parameters = [
            {
                "name": "account_sid",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "pattern": "^AC[0-9a-fA-F]{32}$"},
                "description": "Twilio's optional account SID: accepted when it is the app's own account, "
                "refused (invalid_request) otherwise. No other query parameter is accepted.",
            }
        ]
    else:
        operation_id, success = "CreateTokenV1", "201"
        form = {"oneOf": [_token_form(OAUTH_V1_NAMES), _token_form(RFC_NAMES)]}
        summary = "The same grant on Twilio's older path: oauth v1 field names or iam v1's (RFC 6749's); 201."
        parameters = []
    return {
        "post": {
            "operationId": operation_id,
            "tags": ["OAuth: token"],
            "summary": summary,
            "description": "Authenticate with the Client ID and Client Secret in the form "
            "(client_secret_post)"
            " or in HTTP Basic (client_secret_basic).",
            "security": [{"clientBasic": []}, {}],
            "parameters": parameters,
            "requestBody": {
                "required": True,
                "content": {"application/x-www-form-urlencoded": {"schema": form}},
            },
            "responses": {
                success: {
                    "description": "A Bearer token.",
                    "content": {"application/json": {"schema": token}},
                },
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
    result["paths"]["/v2/token"] = _token_operation(version="v2")
    result["paths"]["/v1/token"] = _token_operation(version="v1")
    return result


urlpatterns = [
    path("v1/openapi.json", SpectacularJSONAPIView.as_view(), name="openapi-schema"),
    path("v1/docs", SpectacularSwaggerSplitView.as_view(url_name="openapi-schema"), name="openapi-docs"),
    path("v1/redoc", RedocView.as_view(url_name="openapi-schema"), name="openapi-redoc"),
]
