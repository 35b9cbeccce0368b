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
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import unquote

from django.utils import timezone
from rest_framework.authentication import BaseAuthentication

from console.actors import client_ip
from console.api_errors import BASIC_CHALLENGE, OAuthError
from oauthapps.models import AppStatus, AuthMethod, OAuthApp, new_token_tag
from oauthapps.secrets import secret_digest
from oauthapps.server.assertions import (
    CLIENT_ASSERTION_TYPE,
    FEDERATED,
    AssertionRejected,
    federated_verify,
    private_key_jwt_verify,
    unverified_claims,
)
from oauthapps.server.client_limits import ClientThrottled, client_failure_count, client_failures_check
from oauthapps.server.secret_check import client_secret_check, is_client_id

# RFC 7591 §2 token_endpoint_auth_method values.
CLIENT_SECRET_BASIC = "client_secret_basic"
CLIENT_SECRET_POST = "client_secret_post"
PRIVATE_KEY_JWT = "private_key_jwt"

logger = logging.getLogger(__name__)

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

    @property
    def advertised_as(self) -> str:
        """The RFC 7591 name the discovery document lists this method under (RFC 8414 §2)."""
        return self.method

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


MAX_ASSERTION_CHARS = 16 * 1024  # platform tokens are a few KiB; the form itself is capped at 1 MiB


def _presented_assertion(data) -> str | None:
    """The request's ``client_assertion``, None when it uses no assertion. Raises
    ``MalformedClientAuthentication`` when the two fields do not come together."""
    assertion_type, assertion = data.get("client_assertion_type"), data.get("client_assertion")
    if assertion_type is None and assertion is None:
        return None
    if not assertion_type or not assertion:
        raise MalformedClientAuthentication(
            "Send client_assertion_type and client_assertion together (RFC 7523 §2.2)."
        )
    return assertion


def _issuer(assertion: str) -> str | None:
    try:
        issuer = unverified_claims(assertion).get("iss")
    except AssertionRejected:
        return None
    return issuer if isinstance(issuer, str) else None


def _is_own_assertion(assertion: str) -> bool:
    issuer = _issuer(assertion)
    return issuer is None or is_client_id(issuer)


def _key_app(client_id: str) -> OAuthApp | None:
    if not is_client_id(client_id):
        return None
    app = (
        OAuthApp.objects.select_related("account")
        .filter(client_id=client_id, status=AppStatus.ACTIVE)
        .first()
    )
    if app is None or app.token_endpoint_auth_method != AuthMethod.PRIVATE_KEY_JWT:
        return None
    return app


class AssertionAuthenticator(ClientAuthenticator):
    """RFC 7523 §2.2, what the two assertion methods share: the form fields, the type, the
    app lookup. Which of them claims an assertion depends on its ``iss``, read without
    verifying it: one of our Client IDs (or an unreadable JWT) is the app's own assertion
    (``client_id`` optional); anything else is a platform's token (``client_id`` required:
    the platform's ``iss`` does not name the app). So exactly one of them claims it. An
    assertion authenticates only an app whose ``token_endpoint_auth_method`` is
    ``private_key_jwt``; the reason of a refusal goes to the log, never to the client
    (RFC 7523 §3.2). The checks themselves are oauthapps/server/assertions.py."""

    presented_as = "client_assertion in the body"
    verifier = None  # staticmethod(private_key_jwt_verify) or staticmethod(federated_verify)

    def takes(self, assertion: str) -> bool:
        raise NotImplementedError

    def claim(self, data, headers) -> ClientClaim | None:
        assertion = _presented_assertion(data)
        if assertion is None or not self.takes(assertion):
            return None
        # Another assertion type (a SAML one, say) is an unsupported method: a failure like a
        # wrong secret (RFC 6749 §5.2 invalid_client), not a malformed request.
        supported = data.get("client_assertion_type") == CLIENT_ASSERTION_TYPE
        return ClientClaim(client_id=self.client_id(data, assertion), proof=assertion if supported else None)

    def client_id(self, data, assertion: str) -> str:
        raise NotImplementedError

    def verify(self, claim: ClientClaim) -> tuple[OAuthApp, ClientCredential] | None:
        started = timezone.now()
        app = _key_app(claim.client_id) if claim.proof and len(claim.proof) <= MAX_ASSERTION_CHARS else None
        if app is None:
            secret_digest("")  # an unknown or secret app costs what a wrong secret costs
            return None
        try:
            self.verifier(app, claim.proof)
        except AssertionRejected as exc:
            logger.info("Client assertion for %s refused: %s", claim.client_id, exc)
            return None
        # No secret obtained the token: it carries a tag of its own, which no secret's
        # revocation names; revoking the token (jti) or deleting the app still reaches it.
        credential = ClientCredential(
            method=self.method, secret_tag=new_token_tag(), authenticated_at=started
        )
        return app, credential


class PrivateKeyJwtAuthenticator(AssertionAuthenticator):
    """RFC 7523 §2.2 with the app's own key: ``iss`` = ``sub`` = its Client ID."""

    method = PRIVATE_KEY_JWT
    verifier = staticmethod(private_key_jwt_verify)

    def takes(self, assertion: str) -> bool:
        return _is_own_assertion(assertion)

    def client_id(self, data, assertion: str) -> str:
        # RFC 7523 §3: client_id is optional; when given it must name the assertion's client.
        return data.get("client_id") or _issuer(assertion) or ""


class FederatedAuthenticator(AssertionAuthenticator):
    """Workload identity federation: a platform's JWT matching a federated credential."""

    method = FEDERATED
    advertised_as = PRIVATE_KEY_JWT  # a client assertion, as RFC 7523 §2.2 sends it
    verifier = staticmethod(federated_verify)

    def takes(self, assertion: str) -> bool:
        return not _is_own_assertion(assertion)

    def client_id(self, data, assertion: str) -> str:
        if not data.get("client_id"):
            raise MalformedClientAuthentication(
                "client_id is required with a federated client_assertion: name the app it authenticates."
            )
        return data["client_id"]


# The methods every client-authenticated endpoint accepts, in the order they are asked.
CLIENT_AUTHENTICATORS: tuple[ClientAuthenticator, ...] = (
    ClientSecretBasic(),
    ClientSecretPost(),
    PrivateKeyJwtAuthenticator(),
    FederatedAuthenticator(),
)


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
        known = getattr(request._request, "token_request_limits", None)  # the token view's round trip
        try:
            client_failures_check(client_id=client_id, address=address, known=known)
            verified = self._verified(chosen)
            if verified is None:
                client_failure_count(client_id=client_id, address=address, known=known)
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
