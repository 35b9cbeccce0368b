"""The one client authentication of the token, introspection and revocation endpoints.

A client presents its Client ID and secret either in HTTP Basic or in the form body
(RFC 6749 §2.3.1). ``client_basic_credentials`` decodes the header and ``client_credentials``
chooses between it and the form, the one way every endpoint does; the failure limits of
oauthapps/client_limits.py are checked around the one authentication,
``client_authenticate_limited``. Introspection and DOT's validator (revocation) call
``authenticate_client``; the token endpoint decodes Basic once in its shape check and hands
the chosen pair to the grant (oauthapps/grant.py), so the three endpoints cannot disagree
about who is calling.
"""

import base64
import binascii
from urllib.parse import unquote

from oauthapps.authentication import is_client_id
from oauthapps.client_limits import client_authenticate_limited
from oauthapps.models import OAuthApp


class MalformedBasicAuth(ValueError):
    """The Authorization header says Basic but does not carry ``id:secret`` in base64."""


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """RFC 6749 §2.3.1: client_id and secret, form-urlencoded then base64 in Basic auth."""
    if not authorization:
        return None
    scheme, _, payload = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(payload.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:  # ValueError: non-ASCII text
        raise MalformedBasicAuth(
            "The Basic Authorization header is not valid base64 of 'client_id:client_secret'."
        ) from exc
    if ":" not in decoded:
        raise MalformedBasicAuth("The Basic Authorization header must carry 'client_id:client_secret'.")
    client_id, _, secret = decoded.partition(":")
    return unquote(client_id), unquote(secret)


def client_basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """Basic credentials only when they name one of our clients: Twilio's helper library may
    send its account SID and auth token in Basic alongside body credentials (docs/domain.md)."""
    credentials = basic_credentials(authorization)
    if credentials is None or not is_client_id(credentials[0]):
        return None
    return credentials


def client_credentials(
    *, basic: tuple[str, str] | None, client_id: str | None, client_secret: str | None
) -> tuple[str, str]:
    """The Client ID and secret a request presents: ``basic`` (``client_basic_credentials``
    of its Authorization header, decoded once by the caller) when it names one of our
    clients, else the form's."""
    if basic is not None:
        return basic
    return client_id or "", client_secret or ""


def authenticate_client(
    *, authorization: str | None, client_id: str | None, client_secret: str | None, address: str | None
) -> OAuthApp | None:
    """The app the request's credentials authenticate, or None. Raises ``MalformedBasicAuth``
    and ``ClientThrottled`` (a 429 for the caller)."""
    client_id, secret = client_credentials(
        basic=client_basic_credentials(authorization), client_id=client_id, client_secret=client_secret
    )
    return client_authenticate_limited(client_id=client_id, secret=secret, address=address)
