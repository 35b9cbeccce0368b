"""Django REST framework policies for a service that accepts OAuth apps tokens.

``JWTAuthentication`` verifies the Bearer token locally; ``HasPermission`` (permissions the
view declares) or ``HasRequestPermission`` (the permission the catalog maps the request to)
decide. Refusals carry the RFC 6750 §3 challenge through DRF's default exception handler.

Permission checks use ``scopes.resolver``: it is pure Python over the catalog data shipped in
this package, with no model and no database, so the service needs none of ours; and `*`
actions are expanded exactly as the authorization server and the gateway expand them.
"""

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import APIException, AuthenticationFailed, NotAuthenticated
from rest_framework.permissions import BasePermission

from oauthapps.resource_server.conf import setting, token_verifier
from oauthapps.resource_server.keys import JwksUnavailable
from oauthapps.resource_server.verification import VerifiedToken
from oauthapps.server.jwt_rules import InvalidToken, TokenPrincipal, bearer_challenge, bearer_token
from scopes.permissions import InsufficientScope, declared_permission
from scopes.resolver import grants, required_permission

__all__ = [
    "HasPermission",
    "HasRequestPermission",
    "InsufficientScope",
    "JWTAuthentication",
    "TokenPrincipal",
]

# Set on the DRF request by authenticate() so that authenticate_header() can say why (RFC 6750 §3.1).
_ERROR_ATTRIBUTE = "_oauth_apps_token_error"


def challenge(**params: str | None) -> str:
    """``WWW-Authenticate`` for this resource server (RFC 6750 §3), in ``OAUTH_APPS_REALM``."""
    return bearer_challenge(setting("OAUTH_APPS_REALM"), **params)


class KeysUnavailable(APIException):
    status_code = 503
    default_detail = "Access tokens cannot be verified right now; try again shortly."
    default_code = "temporarily_unavailable"


class JWTAuthentication(BaseAuthentication):
    """Sets ``request.user`` to a TokenPrincipal and ``request.auth`` to the VerifiedToken."""

    def authenticate(self, request) -> tuple[TokenPrincipal, VerifiedToken] | None:
        try:
            raw = bearer_token(get_authorization_header(request))
            if raw is None:
                return None
            token = token_verifier().verify(raw)
        except InvalidToken:
            setattr(request, _ERROR_ATTRIBUTE, "invalid_token")
            raise AuthenticationFailed(
                "The access token is invalid or expired; fetch a new one.", "invalid_token"
            ) from None
        except JwksUnavailable:
            raise KeysUnavailable() from None
        return TokenPrincipal(client_id=token.client_id, account_sid=token.account_sid), token

    def authenticate_header(self, request) -> str:
        return challenge(error=getattr(request, _ERROR_ATTRIBUTE, None))


class _TokenGrantsPermission(BasePermission):
    """The request's token must grant ``permission_for(request, view)``; None refuses."""

    def permission_for(self, request, view) -> str | None:
        raise NotImplementedError

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, VerifiedToken):
            raise NotAuthenticated("Send an access token: 'Authorization: Bearer <token>'.")
        required = self.permission_for(request, view)
        if required is None or not grants(request.auth.scopes, required):
            raise InsufficientScope(
                required,
                challenge=challenge(error="insufficient_scope", scope=required),
            )
        return True


class HasPermission(_TokenGrantsPermission):
    """Views declare ``required_permissions = {"GET": "/twilio/…/read", …}``; other methods are refused."""

    def permission_for(self, request, view) -> str | None:
        return declared_permission(getattr(view, "required_permissions", {}), request.method)


class HasRequestPermission(_TokenGrantsPermission):
    """For a service serving catalog paths (Twilio-shaped APIs): the permission the catalog maps
    method, host and path to. Map the service's hostname with ``SCOPES_HOST_ALIASES``."""

    def permission_for(self, request, view) -> str | None:
        # request.path is the decoded path Django routes on: authorize what the view will serve.
        permission = required_permission(request.method, request.get_host(), request.path)
        return permission.name if permission else None
