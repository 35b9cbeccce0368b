"""oauthlib's client credentials server: each token's lifetime is its app's, and Twilio's
``account_sid`` query parameter is the only one a token request may carry."""

from urllib.parse import parse_qsl

from oauthlib.oauth2 import BackendApplicationServer
from oauthlib.oauth2.rfc6749.errors import InvalidRequestError

# Twilio's oauth v2 spec puts ``account_sid`` in the query of POST /v2/token (twilio-python
# sends it there). Anything else in a token request's URL is refused, as oauthlib does:
# credentials in a URL end up in access logs.
TOKEN_QUERY_PARAMETERS = frozenset({"account_sid"})


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

    def _raise_on_bad_post_request(self, request):
        # oauthlib refuses every query parameter of a POST; Twilio's account_sid is allowed
        # (the validator checks it names the app's own account).
        names = {name for name, _value in parse_qsl(request.uri_query or "", keep_blank_values=True)}
        if names - TOKEN_QUERY_PARAMETERS:
            raise InvalidRequestError(
                request=request,
                description="URL query parameters are not allowed, except account_sid; "
                "send the token request's fields in the form body.",
            )
