"""How the OpenAPI description (drf-spectacular) shows this app's Bearer authentication.

drf-spectacular finds an extension by subclassing, so ``OAuthAppsConfig.ready()`` imports
this module before any schema is generated.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


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
