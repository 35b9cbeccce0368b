"""DRF permission class: the token must grant the catalog permission the view declares."""

from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.permissions import BasePermission

from scopes.resolver import grants


class InsufficientScope(PermissionDenied):
    """RFC 6750 §3.1 ``insufficient_scope``: a valid token without the needed permission.

    Raised by this server's APIs and by the resource-server helper alike. ``challenge``, when
    given, is the ``WWW-Authenticate`` value the exception handler sends (``auth_header``:
    DRF's default handler and this server's both copy it).
    """

    default_code = "insufficient_scope"

    def __init__(self, required: str | None, *, challenge: str | None = None):
        if required:
            super().__init__(f"The access token does not grant {required}; add it to the app's OAuth Scopes.")
        else:
            super().__init__("No permission covers this request; it is refused.")
        self.required = required or ""
        if challenge:
            self.auth_header = challenge


def declared_permission(declared: dict[str, str], method: str) -> str | None:
    """The permission a view declares for ``method``; HEAD falls back to GET's, as HEAD is a
    GET without the body (RFC 9110 §9.3.2). A method not declared gets None: refused."""
    method = method.upper()
    if method == "HEAD":
        return declared.get("HEAD", declared.get("GET"))
    return declared.get(method)


class HasCatalogPermission(BasePermission):
    """Views declare ``required_permissions``: a dict from HTTP method to permission string.

    ``request.auth`` must carry ``scopes`` (the token's granted permissions); a method the
    view does not map is refused, never allowed by default.
    """

    def has_permission(self, request, view) -> bool:
        granted = getattr(request.auth, "scopes", None)
        if granted is None:
            raise NotAuthenticated(
                "Send an access token: 'Authorization: Bearer <token>' (get one from /v2/token)."
            )
        required = declared_permission(getattr(view, "required_permissions", {}), request.method)
        if required is None or not grants(granted, required):
            raise InsufficientScope(
                required or f"a permission for {request.method}", challenge=_challenge(request, required)
            )
        return True


def _challenge(request, required: str | None) -> str | None:
    # The authentication that admitted the token knows its realm and words the challenge
    # (oauthapps.server.bearer.BearerTokenAuthentication): scopes imports no app above it.
    authenticator = getattr(request, "successful_authenticator", None)
    words = getattr(authenticator, "insufficient_scope_challenge", None)
    return words(required) if words else None
