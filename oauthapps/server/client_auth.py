"""The one client authentication of the token, introspection and revocation endpoints.

``ClientAuthentication`` is a DRF authentication class: ``request.user`` is the app,
``request.auth`` a ``ClientCredential`` saying how the client proved itself. It asks each
of its ``authenticators`` (``CLIENT_AUTHENTICATORS``) whether the request uses that method
and lets exactly one of them verify it. The rules around every method are here, once:

- RFC 6749 §2.3: a request that uses more than one method is refused (``invalid_request``);
- a request that uses none fails like a wrong secret (``invalid_client``, 401);
- the failure limits of oauthapps/server/client_limits.py are checked before and counted
  after a failure, keyed by the Client ID the request claims and its source address;
- every refusal is an ``OAuthError``, answered by the view's one error path.

A method is a ``ClientAuthenticator``: ``claim(data, headers)`` reads what the request
presents for it (None when it does not use it; ``MalformedClientAuthentication`` when it
does, badly) and ``verify(claim)`` checks it. Adding ``private_key_jwt`` or a federated
method is a subclass and an entry in ``CLIENT_AUTHENTICATORS``; nothing here changes.
"""

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import unquote

from rest_framework.authentication import BaseAuthentication

from console.actors import client_ip
from console.api_errors import BASIC_CHALLENGE, OAuthError
from oauthapps.models import OAuthApp
from oauthapps.secrets import secret_digest
from oauthapps.server.client_limits import ClientThrottled, client_failure_count, client_failures_check
from oauthapps.server.secret_check import client_secret_check, is_client_id

# RFC 7591 §2 token_endpoint_auth_method values.
CLIENT_SECRET_BASIC = "client_secret_basic"
CLIENT_SECRET_POST = "client_secret_post"
PRIVATE_KEY_JWT = "private_key_jwt"

INVALID_CLIENT = "Authenticate with the Client ID and Client Secret of an app."


@dataclass(frozen=True)
class ClientCredential:
    """How a client proved itself: ``request.auth`` of a client-authenticated endpoint.

    ``method`` is the RFC 7591 name (``client_secret_basic``, ``client_secret_post``, later
    ``private_key_jwt`` or a federated method's); ``secret_tag`` is the ``token_tag`` of the
    secret used, which the tokens it obtains carry so that revoking the secret revokes them
    (None for a secretless method); ``authenticated_at`` is when the check began."""

    method: str
    secret_tag: str | None
    authenticated_at: datetime


@dataclass(frozen=True)
class ClientClaim:
    """What a request presents for one method: the Client ID it claims (the failure limits
    are keyed by it) and the method's proof (a secret, an assertion, ...)."""

    client_id: str
    proof: Any


class MalformedClientAuthentication(ValueError):
    """The request uses a method but does not follow its syntax (``invalid_request``)."""


class ClientAuthenticator:
    """One client authentication method. Subclasses set ``method`` and implement both steps."""

    method: ClassVar[str] = ""
    presented_as: ClassVar[str] = ""  # where the request carries it, for an error message

    def claim(self, data: Mapping[str, str], headers: Mapping[str, str]) -> ClientClaim | None:
        """What the request presents for this method, None when it does not use it. Cheap
        and without side effects: it is asked of every request. Raises
        ``MalformedClientAuthentication``."""
        raise NotImplementedError

    def verify(self, claim: ClientClaim) -> tuple[OAuthApp, ClientCredential] | None:
        """The app the claim proves, and how; None when the proof fails."""
        raise NotImplementedError


class ClientSecretBasic(ClientAuthenticator):
    """RFC 6749 §2.3.1: the Client ID and secret, form-urlencoded then base64, in HTTP Basic.
    Basic counts only when it names one of our clients: Twilio's helper library may send its
    account SID and auth token in Basic alongside body credentials (docs/domain.md)."""

    method = CLIENT_SECRET_BASIC
    presented_as = "Basic header"

    def claim(self, data, headers) -> ClientClaim | None:
        credentials = basic_credentials(headers.get("Authorization"))
        if credentials is None or not is_client_id(credentials[0]):
            return None
        return ClientClaim(client_id=credentials[0], proof=credentials[1])

    def verify(self, claim: ClientClaim) -> tuple[OAuthApp, ClientCredential] | None:
        return secret_verified(claim, self.method)


class ClientSecretPost(ClientAuthenticator):
    """RFC 6749 §2.3.1: ``client_id`` and ``client_secret`` in the form body."""

    method = CLIENT_SECRET_POST
    presented_as = "client_secret in the body"

    def claim(self, data, headers) -> ClientClaim | None:
        if not data.get("client_secret"):
            return None
        return ClientClaim(client_id=data.get("client_id") or "", proof=data["client_secret"])

    def verify(self, claim: ClientClaim) -> tuple[OAuthApp, ClientCredential] | None:
        return secret_verified(claim, self.method)


def secret_verified(claim: ClientClaim, method: str) -> tuple[OAuthApp, ClientCredential] | None:
    match = client_secret_check(client_id=claim.client_id, secret=claim.proof)
    if match is None:
        return None
    credential = ClientCredential(
        method=method, secret_tag=match.secret_tag, authenticated_at=match.authenticated_at
    )
    return match.app, credential


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
        raise MalformedClientAuthentication(
            "The Basic Authorization header is not valid base64 of 'client_id:client_secret'."
        ) from exc
    if ":" not in decoded:
        raise MalformedClientAuthentication(
            "The Basic Authorization header must carry 'client_id:client_secret'."
        )
    client_id, _, secret = decoded.partition(":")
    return unquote(client_id), unquote(secret)


# The methods every client-authenticated endpoint accepts, in the order they are asked.
CLIENT_AUTHENTICATORS: tuple[ClientAuthenticator, ...] = (ClientSecretBasic(), ClientSecretPost())


@dataclass(frozen=True)
class ChosenMethod:
    """The one method a request uses (``authenticator`` None: it uses none) and its claim."""

    authenticator: ClientAuthenticator | None
    claim: ClientClaim


class ClientAuthentication(BaseAuthentication):
    """DRF authentication of the client-authenticated endpoints: ``(app, ClientCredential)``.

    DRF makes one instance per request, so ``chosen`` reads the request's method once, for
    the view's early shape check (a malformed or doubled authentication is refused before
    the request is counted) and for ``authenticate``. A view sets ``invalid_client_description``
    to word its 401."""

    authenticators: ClassVar[tuple[ClientAuthenticator, ...]] = CLIENT_AUTHENTICATORS

    def __init__(self) -> None:
        self._chosen: ChosenMethod | None = None

    def chosen(self, request) -> ChosenMethod:
        """The one method ``request`` uses. Raises ``OAuthError`` (``invalid_request``) for a
        malformed one or for more than one (RFC 6749 §2.3)."""
        if self._chosen is None:
            self._chosen = self._choose(request.data, request.headers)
        return self._chosen

    def _choose(self, data, headers) -> ChosenMethod:
        used = []
        for authenticator in self.authenticators:
            try:
                claim = authenticator.claim(data, headers)
            except MalformedClientAuthentication as exc:
                raise OAuthError("invalid_request", str(exc)) from exc
            if claim is not None:
                used.append((authenticator, claim))
        if len(used) > 1:
            presented = " and ".join(authenticator.presented_as for authenticator, _ in used)
            raise OAuthError(
                "invalid_request",
                f"The client authenticated {'twice' if len(used) == 2 else 'more than once'} "
                f"({presented}); use one method only.",
            )
        if used:
            return ChosenMethod(*used[0])
        return ChosenMethod(None, ClientClaim(client_id=data.get("client_id") or "", proof=None))

    def authenticate(self, request) -> tuple[OAuthApp, ClientCredential]:
        chosen = self.chosen(request)
        client_id, address = chosen.claim.client_id, client_ip(request)
        if is_client_id(client_id):
            request._request.log_client_id = client_id  # read by the request log
        try:
            client_failures_check(client_id=client_id, address=address)
            verified = self._verified(chosen)
            if verified is None:
                client_failure_count(client_id=client_id, address=address)
        except ClientThrottled as exc:
            raise exc.oauth_error() from exc
        if verified is None:  # RFC 6749 §5.2: 401 with the Basic challenge (oauth_error_response)
            view = request.parser_context.get("view")
            description = getattr(view, "invalid_client_description", INVALID_CLIENT)
            raise OAuthError("invalid_client", description, status=401)
        return verified

    @staticmethod
    def _verified(chosen: ChosenMethod) -> tuple[OAuthApp, ClientCredential] | None:
        if chosen.authenticator is None:
            secret_digest("")  # no method costs what a wrong secret costs
            return None
        return chosen.authenticator.verify(chosen.claim)

    def authenticate_header(self, request) -> str:
        return BASIC_CHALLENGE
