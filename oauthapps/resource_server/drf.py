"""Django REST framework policies for a service that accepts OAuth apps tokens.

``JWTAuthentication`` verifies the token locally: a Bearer token, or a DPoP-bound one sent as
``Authorization: DPoP`` with its ``DPoP`` proof (RFC 9449 §7), each proof accepted once;
``HasPermission`` (permissions the view declares) or ``HasRequestPermission`` (the permission
the catalog maps the request to) decide. Refusals carry the RFC 6750 §3 (or RFC 9449 §7.1)
challenge through DRF's default exception handler.

Permission checks use ``scopes.resolver``: it is pure Python over the catalog data shipped in
this package, with no model and no database, so the service needs none of ours; and `*`
actions are expanded exactly as the authorization server and the gateway expand them.
"""

import hashlib
import time

from django.core.cache import caches
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import APIException, AuthenticationFailed, NotAuthenticated
from rest_framework.permissions import BasePermission

from oauthapps.resource_server.conf import leeway_seconds, setting, token_verifier
from oauthapps.resource_server.keys import JwksUnavailable
from oauthapps.resource_server.verification import VerifiedToken
from oauthapps.server.dpop import (
    InvalidProof,
    Proof,
    dpop_challenge,
    dpop_token,
    proof_remembered_until,
    proof_verify,
    token_binding_check,
)
from oauthapps.server.jwt_rules import (
    InvalidToken,
    MalformedAuthorization,
    TokenPrincipal,
    bearer_challenge,
    bearer_token,
)
from scopes.permissions import InsufficientScope, declared_permission
from scopes.resolver import grants, required_permission

__all__ = [
    "HasPermission",
    "HasRequestPermission",
    "InsufficientScope",
    "JWTAuthentication",
    "TokenPrincipal",
]

# Set on the DRF request by authenticate() so that authenticate_header() can say why (RFC 6750
# §3.1, RFC 9449 §7.1): the whole challenge.
_CHALLENGE_ATTRIBUTE = "_oauth_apps_token_challenge"
INVALID_TOKEN = "The access token is invalid or expired; fetch a new one."


def challenge(**params: str | None) -> str:
    """``WWW-Authenticate`` for this resource server (RFC 6750 §3), in ``OAUTH_APPS_REALM``."""
    return bearer_challenge(setting("OAUTH_APPS_REALM"), **params)


class KeysUnavailable(APIException):
    status_code = 503
    default_detail = "Access tokens cannot be verified right now; try again shortly."
    default_code = "temporarily_unavailable"


class _Refused(Exception):
    def __init__(self, detail: str, challenge: str) -> None:
        super().__init__(detail)
        self.challenge = challenge


class JWTAuthentication(BaseAuthentication):
    """Sets ``request.user`` to a TokenPrincipal and ``request.auth`` to the VerifiedToken."""

    def authenticate(self, request) -> tuple[TokenPrincipal, VerifiedToken] | None:
        try:
            token = self._verified(request)
        except _Refused as exc:
            setattr(request, _CHALLENGE_ATTRIBUTE, exc.challenge)
            raise AuthenticationFailed(str(exc), "invalid_token") from None
        except JwksUnavailable:
            raise KeysUnavailable() from None
        if token is None:
            return None
        return TokenPrincipal(client_id=token.client_id, account_sid=token.account_sid), token

    def _verified(self, request) -> VerifiedToken | None:
        authorization = get_authorization_header(request)
        try:
            bearer = bearer_token(authorization)
            dpop = None if bearer is not None else dpop_token(authorization)
        except InvalidToken as exc:  # MalformedAuthorization included
            detail = str(exc) if isinstance(exc, MalformedAuthorization) else INVALID_TOKEN
            raise _Refused(detail, challenge(error="invalid_token")) from None
        raw = bearer if bearer is not None else dpop
        if raw is None:
            return None
        try:
            token = token_verifier().verify(raw)
        except InvalidToken:
            refusal = challenge if bearer is not None else dpop_challenge
            raise _Refused(INVALID_TOKEN, refusal(error="invalid_token")) from None
        try:
            proof = None if dpop is None else _proof_accept(request, access_token=dpop)
            token_binding_check(token.claims, proof)
        except InvalidProof as exc:
            raise _Refused(str(exc), dpop_challenge(error=exc.error, error_description=str(exc))) from None
        return token

    def authenticate_header(self, request) -> str:
        return getattr(request, _CHALLENGE_ATTRIBUTE, None) or challenge()


def _proof_accept(request, *, access_token: str) -> Proof:
    """The request's DPoP proof, checked for this request (its URL as it reached Django) and
    recorded in OAUTH_APPS_DPOP_CACHE: ``add`` refuses a key already there, so a proof is
    accepted once while its iat is in the window."""
    max_age = setting("OAUTH_APPS_DPOP_MAX_AGE_SECONDS")
    leeway = leeway_seconds()
    proof = proof_verify(
        request.headers.get("DPoP"),
        method=request.method,
        uris=(request.build_absolute_uri(request.path),),
        access_token=access_token,
        max_age_seconds=max_age,
        leeway_seconds=leeway,
    )
    remember_for = proof_remembered_until(proof, max_age_seconds=max_age, leeway_seconds=leeway) - time.time()
    key = "oauth-apps:dpop:" + hashlib.sha256(f"{proof.jkt}:{proof.jti}".encode()).hexdigest()
    if not caches[setting("OAUTH_APPS_DPOP_CACHE")].add(key, 1, timeout=remember_for):
        raise InvalidProof(
            "This DPoP proof was used before; make a new one (with a new jti) for each request."
        )
    return proof


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
