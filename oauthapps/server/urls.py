"""Protocol endpoints: token, discovery, JWKS, introspection, revocation."""

from django.urls import path

from oauthapps.server import checks_api, gateway, token_api

urlpatterns = [
    path("v2/token", token_api.TokenApi.as_view(), name="oauth-token"),
    path("v1/token", token_api.TokenV1Api.as_view(), name="oauth-token-v1"),
    path("v2/token/introspect", checks_api.IntrospectApi.as_view(), name="oauth-introspect"),
    path("v2/token/revoke", checks_api.RevokeApi.as_view(), name="oauth-revoke"),
    path(
        ".well-known/oauth-authorization-server",
        checks_api.authorization_server_metadata,
        name="oauth-metadata",
    ),
    path(".well-known/jwks.json", checks_api.jwks_document, name="oauth-jwks"),
    path("v1/gateway/check", gateway.gateway_check, name="gateway-check"),
]
