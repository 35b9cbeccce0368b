"""This app's part of the OpenAPI description (drf-spectacular): the Bearer scheme, and
``POST /v2/token`` (and Twilio's older ``POST /v1/token``): DRF views that read an OAuth
form and answer in RFC 6749's shape, which drf-spectacular cannot describe by itself, so
they set ``schema = None`` and are described here.

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
    target_class = "oauthapps.server.bearer.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from POST /v2/token (client credentials); each operation "
            "needs the catalog permission named in its description.",
        }


ASSERTION_FIELDS = {
    "client_assertion_type": {
        "type": "string",
        "enum": ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"],
        "description": "private_key_jwt or a federated identity (RFC 7523 §2.2), instead of a secret.",
    },
    "client_assertion": {
        "type": "string",
        "description": "A JWT signed with one of the app's registered keys (iss = sub = its Client ID), "
        "or its platform's identity token (a federated credential; client_id then required).",
    },
}


def _token_form(names: dict[str, str], *, assertions: bool = False) -> dict:
    """The token request's form, with each field spelled as ``names`` says; ``assertions``
    adds RFC 7523's client assertion fields (RFC names only)."""
    form = {
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
    if assertions:
        form["properties"].update(ASSERTION_FIELDS)
    return form


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
            "token_type": {
                "type": "string",
                "enum": ["Bearer", "DPoP"],
                "description": "DPoP when the request carried a valid DPoP proof: the token is bound "
                "to that key (cnf.jkt) and usable only with a fresh proof.",
            },
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
        operation_id, success, form = "CreateToken", "200", _token_form(RFC_NAMES, assertions=True)
        summary = "Issue an access token (client credentials grant, RFC 6749 §4.4)."
        parameters = [
            {
                "name": "account_sid",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "pattern": "^AC[0-9a-fA-F]{32}$"},
                "description": "Twilio's optional account SID: accepted when it is the app's own account, "
                "refused (invalid_request) otherwise. No other query parameter is accepted.",
            },
            {
                "name": "DPoP",
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
                "description": "A DPoP proof (RFC 9449 §4: typ dpop+jwt, htm POST, htu this URL): the token "
                "is then bound to the proof's key. Required for apps with dpop_bound_access_tokens.",
            },
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
            "(client_secret_post) or in HTTP Basic (client_secret_basic); a secretless app with "
            "client_assertion_type and client_assertion (private_key_jwt or a federated identity; "
            "on /v2/token). One method per request.",
            "security": [{"clientBasic": []}, {}],
            "parameters": parameters,
            "requestBody": {
                "required": True,
                "content": {"application/x-www-form-urlencoded": {"schema": form}},
            },
            "responses": {
                success: {
                    "description": "A Bearer or DPoP-bound token.",
                    "content": {"application/json": {"schema": token}},
                },
                **{
                    status: {"description": text, "content": error}
                    for status, text in {
                        "400": "invalid_request, unsupported_grant_type, invalid_scope, invalid_target, "
                        "invalid_dpop_proof.",
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
    """drf-spectacular POSTPROCESSING_HOOK: ``POST /v2/token`` and ``/v1/token``, their error body and
    Basic scheme."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["TokenError"] = TOKEN_ERROR
    components.setdefault("securitySchemes", {})["clientBasic"] = {
        "type": "http",
        "scheme": "basic",
        "description": "client_secret_basic: the Client ID and Client Secret (token endpoint only).",
    }
    paths = result.setdefault("paths", {})
    paths["/v2/token"] = _token_operation(version="v2")
    paths["/v1/token"] = _token_operation(version="v1")
    return result
