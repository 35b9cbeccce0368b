"""OAuth scopes: the permission catalog, scope validation and request-to-permission resolution."""
