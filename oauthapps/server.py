"""oauthlib's client credentials server, with each token's lifetime taken from its app."""

from oauthlib.oauth2 import BackendApplicationServer


def access_token_expires_in(request) -> int:
    """The app's Token expiration time at issue time: ``expires_in`` of the response and,
    through ``request.expires_in``, ``exp - iat`` of the JWT (oauthapps/tokens.py)."""
    return request.client.access_token_ttl


class ClientCredentialsServer(BackendApplicationServer):
    """RFC 6749 §4.4 only. oauthlib's BearerToken takes a callable ``expires_in``; DOT's
    ACCESS_TOKEN_EXPIRE_SECONDS can only be one number for every app."""

    def __init__(self, request_validator, *args, **kwargs):
        kwargs["token_expires_in"] = access_token_expires_in
        super().__init__(request_validator, *args, **kwargs)
