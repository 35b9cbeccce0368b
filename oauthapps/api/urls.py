"""Protocol endpoints: token, discovery, JWKS, introspection, revocation."""

from django.urls import path

from oauthapps.api import checks, gateway, token

urlpatterns = [
    path("v2/token", token.TokenApi.as_view(), name="oauth-token"),
    path("v1/token", token.TokenV1Api.as_view(), name="oauth-token-v1"),
    path("v2/token/introspect", checks.IntrospectApi.as_view(), name="oauth-introspect"),
    path("v2/token/revoke", checks.RevokeApi.as_view(), name="oauth-revoke"),
    path(
        ".well-known/oauth-authorization-server", checks.authorization_server_metadata, name="oauth-metadata"
    ),
    path(".well-known/jwks.json", checks.jwks_document, name="oauth-jwks"),
    path("v1/gateway/check", gateway.gateway_check, name="gateway-check"),
]
