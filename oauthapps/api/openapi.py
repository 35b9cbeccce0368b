"""This app's part of the OpenAPI description (drf-spectacular): the Bearer scheme, and
``POST /v2/token``, which is a plain Django view (oauthlib's protocol, reached through
django-oauth-toolkit) that drf-spectacular cannot describe by itself.

drf-spectacular finds an extension by subclassing, so ``OAuthAppsConfig.ready()`` imports
this module before any schema is generated; ``add_token_endpoint`` is a postprocessing
hook listed in ``SPECTACULAR_SETTINGS``.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from console.openapi import TWILIO_ERROR

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


def add_token_endpoint(result: dict, generator, request, public) -> dict:
    """drf-spectacular POSTPROCESSING_HOOK: ``POST /v2/token``, its error body and Basic scheme."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["TokenError"] = TOKEN_ERROR
    components.setdefault("securitySchemes", {})["clientBasic"] = {
        "type": "http",
        "scheme": "basic",
        "description": "client_secret_basic: the Client ID and Client Secret (token endpoint only).",
    }
    result.setdefault("paths", {})["/v2/token"] = _token_operation()
    return result
