"""DRF authentication for our APIs: ``Authorization: Bearer <access token>`` (RFC 6750), or
``Authorization: DPoP <access token>`` with a ``DPoP`` proof (RFC 9449 §7) for a DPoP-bound one."""

import dataclasses
from collections.abc import Collection

from django.conf import settings
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from oauthapps.models import AppStatus, OAuthApp
from oauthapps.server.dpop import InvalidProof, dpop_challenge, dpop_token, token_binding_check
from oauthapps.server.dpop_proofs import proof_accept, request_uris
from oauthapps.server.jwt_rules import (
    InvalidToken,
    MalformedAuthorization,
    TokenPrincipal,
    bearer_challenge,
    bearer_token,
)
from oauthapps.server.token_checks import TokenGrant, token_check

REALM = "oauth-apps"

INVALID_TOKEN = "The access token is invalid, expired or revoked; fetch a new one from /v2/token."
# Set on the DRF request when authenticate() refuses the token, so that authenticate_header()
# can say why (RFC 6750 §3.1, RFC 9449 §7.1): the whole challenge.
_CHALLENGE_ATTRIBUTE = "_oauth_apps_token_challenge"


def api_challenge(**params: str | None) -> str:
    """``WWW-Authenticate`` of this server's APIs and gateway check (RFC 6750 §3)."""
    return bearer_challenge(REALM, **params)


class TokenRefused(AuthenticationFailed):
    """A 401 with its ``WWW-Authenticate`` challenge: Bearer's, or DPoP's (RFC 9449 §7.1)
    when the request used DPoP or its token is DPoP-bound."""

    def __init__(self, detail: str, *, challenge: str) -> None:
        super().__init__(detail, "invalid_token")
        self.challenge = challenge


@dataclasses.dataclass(frozen=True)
class RequestTarget:
    """What a DPoP proof must name: the request's method and the URLs it may have been
    sent to (RFC 9449 §4.3, ``htm`` and ``htu``)."""

    method: str
    uris: tuple[str, ...]


def presented_grant(
    authorization: bytes, proof: str | None, *, target: RequestTarget, audiences: Collection[str]
) -> TokenGrant | None:
    """The live grant of the request's ``Authorization`` header: a Bearer token that is not
    DPoP-bound, or a DPoP-bound token with ``proof`` made for ``target`` by the key it is
    bound to. None when the header is neither scheme. Raises TokenRefused."""
    try:
        bearer = bearer_token(authorization)
        dpop = None if bearer is not None else dpop_token(authorization)
    except MalformedAuthorization as exc:
        raise TokenRefused(str(exc), challenge=api_challenge(error="invalid_token")) from None
    except InvalidToken:
        raise TokenRefused(INVALID_TOKEN, challenge=api_challenge(error="invalid_token")) from None
    if bearer is not None:
        grant = _checked(bearer, audiences, challenge=api_challenge(error="invalid_token"))
        try:
            token_binding_check(grant.claims, None)
        except InvalidProof as exc:  # a DPoP-bound token sent as Bearer: RFC 9449 §7.2
            raise TokenRefused(str(exc), challenge=dpop_challenge(error=exc.error)) from None
        return grant
    if dpop is None:
        return None
    grant = _checked(dpop, audiences, challenge=dpop_challenge(error="invalid_token"))
    try:
        accepted = proof_accept(proof, method=target.method, uris=target.uris, access_token=dpop)
        token_binding_check(grant.claims, accepted)
    except InvalidProof as exc:
        raise TokenRefused(
            str(exc), challenge=dpop_challenge(error=exc.error, error_description=str(exc))
        ) from None
    return grant


def _checked(token: str, audiences: Collection[str], *, challenge: str) -> TokenGrant:
    try:
        return token_check(token, audiences=audiences)
    except InvalidToken:
        raise TokenRefused(INVALID_TOKEN, challenge=challenge) from None


def request_target(request) -> RequestTarget:
    """This server's own request, as a DPoP proof names it."""
    return RequestTarget(method=request.method, uris=request_uris(request))


class BearerTokenAuthentication(BaseAuthentication):
    """Sets ``request.user`` to a TokenPrincipal and ``request.auth`` to the TokenGrant, with
    the app and its account loaded. Only tokens meant for this server's APIs are accepted,
    as Bearer, or as DPoP with a proof when they are DPoP-bound."""

    def authenticate(self, request) -> tuple[TokenPrincipal, TokenGrant] | None:
        try:
            return self._authenticate(request)
        except TokenRefused as exc:
            setattr(request, _CHALLENGE_ATTRIBUTE, exc.challenge)
            raise

    def _authenticate(self, request) -> tuple[TokenPrincipal, TokenGrant] | None:
        grant = presented_grant(
            get_authorization_header(request),
            request.headers.get("DPoP"),
            target=request_target(request),
            audiences=settings.API_AUDIENCES,
        )
        if grant is None:
            return None
        app = (
            OAuthApp.objects.select_related("account")
            .filter(client_id=grant.client_id, status=AppStatus.ACTIVE)
            .first()
        )
        if app is None:  # deleted between the token check and now
            raise TokenRefused(INVALID_TOKEN, challenge=api_challenge(error="invalid_token"))
        request._request.log_client_id = app.client_id
        principal = TokenPrincipal(client_id=app.client_id, account_sid=grant.account_sid, app=app)
        return principal, dataclasses.replace(grant, app=app)

    def authenticate_header(self, request) -> str:
        """The 401 challenge; DRF puts it on the exception (``auth_header``)."""
        return getattr(request, _CHALLENGE_ATTRIBUTE, None) or api_challenge()

    def insufficient_scope_challenge(self, required: str | None) -> str:
        """The 403 challenge ``scopes.permissions.HasCatalogPermission`` asks for."""
        return api_challenge(error="insufficient_scope", scope=required)
