"""DRF permission class: the token must grant the catalog permission the view declares."""

from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.permissions import BasePermission

from scopes.resolver import grants


class InsufficientScope(PermissionDenied):
    """RFC 6750 §3.1 ``insufficient_scope``: a valid token without the needed permission."""

    default_code = "insufficient_scope"

    def __init__(self, required: str):
        super().__init__(f"The access token does not grant {required}; add it to the app's OAuth Scopes.")
        self.required = required


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
        required = getattr(view, "required_permissions", {}).get(request.method)
        if request.method == "HEAD" and required is None:
            required = getattr(view, "required_permissions", {}).get("GET")
        if required is None or not grants(granted, required):
            raise InsufficientScope(required or f"a permission for {request.method}")
        return True
