"""Accept our access tokens in another Python service, without calling us per request.

``TokenVerifier`` checks a JWT locally against the JWKS this server publishes (signature,
issuer, audience, lifetime, RFC 9068 ``typ``) and needs only PyJWT. ``drf`` adds Django REST
framework authentication and permission classes configured by ``OAUTH_APPS_*`` settings.
Nothing here imports this project's models: the package runs in a service of its own.
See docs/resource-server.md.
"""

from oauthapps.resource_server.keys import JwksKeys, JwksUnavailable
from oauthapps.resource_server.verification import InvalidToken, TokenVerifier, VerifiedToken

__all__ = ["InvalidToken", "JwksKeys", "JwksUnavailable", "TokenVerifier", "VerifiedToken"]
