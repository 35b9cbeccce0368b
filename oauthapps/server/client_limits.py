"""Limits on clients that nobody but the client can use up.

Token, introspection and revocation requests all authenticate their client through
``ClientAuthentication`` (oauthapps/server/client_auth.py), which asks
``client_failures_check`` before and ``client_failure_count`` after a failure: only
failures are counted, per (client, address) and per address, so whoever knows a Client ID
but not its secret slows down their own address, never the real client calling from
another one. A client secret has 256 bits, so these limits are not there to stop guessing;
they bound what a wrong-secret flood costs.
Tokens per client are counted when one is issued, and revocations per client when one is
asked for, after the client authenticated.

A token request makes one Redis round trip for all of them (``token_request_limits``, run
by the token view's address throttle): it counts the request against its address, reads
the two failure counters and, if neither refuses, counts a token for the Client ID the
request claims. That count is taken back if the client then fails to authenticate
(``client_failure_count``), so nobody but the client uses up its token limit, and its
verdict is acted on only after the client authenticated and the grant's own checks passed
(``token_issuance_count``); a request the grant refuses (scope, grant type) counts, as only
the authenticated client can make one.
"""

from dataclasses import dataclass

from django.conf import settings

from console import metrics
from console.api_errors import OAuthError
from console.sids import is_sid
from console.throttling import (
    Limit,
    Verdict,
    limit_hit,
    limit_take_back,
    limits_exhausted,
    limits_gated,
    limits_hit,
)


class ClientThrottled(Exception):
    """A client limit is exceeded: the endpoint answers 429 with Retry-After."""

    def __init__(self, description: str, retry_after: int):
        super().__init__(description)
        self.description = description
        self.retry_after = retry_after

    def oauth_error(self) -> OAuthError:
        """The endpoints' answer: 429 with Retry-After, in the RFC 6749 §5.2 shape."""
        return OAuthError(
            "too_many_requests", self.description, status=429, headers={"Retry-After": str(self.retry_after)}
        )


FAILURES = "Too many failed client authentications from this address; retry after {} seconds."


@dataclass(frozen=True)
class TokenRequestLimits:
    """The verdicts of a token request's one round trip (``token_request_limits``): the
    address's count, the failure counters read (None: not reached) and the token counted
    for ``client_id`` (None: not counted)."""

    client_id: str
    address: Verdict
    failures: list[Verdict] | None
    issuance: Verdict | None
    at: float


def token_request_limits(*, client_id: str, address: str | None) -> TokenRequestLimits:
    """Count a token request against ``THROTTLE_TOKEN_PER_IP``; if it is allowed, read the
    failure limits of (``client_id``, address) and of the address; if they allow it, count a
    token for ``client_id`` (when it is one of our Client IDs). One Redis round trip."""
    address = address or "unknown"
    counted = _issuance_limit(), client_id
    found = limits_gated(
        (Limit.parse("token-ip", settings.THROTTLE_TOKEN_PER_IP), address),
        _subjects(client_id, address),
        counted if is_sid(client_id, "OQ") else None,
    )
    return TokenRequestLimits(
        client_id=client_id, address=found.first, failures=found.reads, issuance=found.last, at=found.at
    )


def client_failures_check(
    *, client_id: str, address: str | None, known: TokenRequestLimits | None = None
) -> None:
    """Before a client authentication: raises ``ClientThrottled`` when this address has
    failed too often (for this client, or for any). ``known``: read already, by
    ``token_request_limits``."""
    subjects = _subjects(client_id, address)
    if known is not None and known.client_id == client_id and known.failures is not None:
        verdicts = known.failures
    else:
        verdicts = limits_exhausted(subjects)
    for (limit, _subject), verdict in zip(subjects, verdicts, strict=True):
        if not verdict.allowed:
            _refuse(limit, FAILURES.format(verdict.retry_after), verdict.retry_after)


def client_failure_count(
    *, client_id: str, address: str | None, known: TokenRequestLimits | None = None
) -> None:
    """After a failed client authentication: count it, and take back the token that
    ``known`` counted for ``client_id``; raises ``ClientThrottled`` when this failure is one
    too many."""
    if known is not None and known.issuance is not None and known.client_id == client_id:
        limit_take_back(_issuance_limit(), client_id, known.at)
    subjects = _subjects(client_id, address)
    for (limit, _subject), verdict in zip(subjects, limits_hit(subjects), strict=True):
        if not verdict.allowed:
            _refuse(limit, FAILURES.format(verdict.retry_after), verdict.retry_after)


def token_issuance_count(*, client_id: str, known: TokenRequestLimits | None = None) -> None:
    """Count one token issued to an authenticated client (unless ``known`` counted it);
    raises ``ClientThrottled`` (and nothing is issued) when the client is over
    ``THROTTLE_TOKEN_PER_CLIENT``."""
    limit = _issuance_limit()
    if known is not None and known.issuance is not None and known.client_id == client_id:
        verdict = known.issuance
    else:
        verdict = limit_hit(limit, client_id)
    if not verdict.allowed:
        _refuse(
            limit,
            f"Too many token requests; retry after {verdict.retry_after} seconds. "
            "A token is valid for an hour: reuse it instead of fetching one per call.",
            verdict.retry_after,
        )


def token_revocation_count(*, client_id: str) -> None:
    """Count one RFC 7009 revocation by an authenticated client; raises ``ClientThrottled``
    (and nothing is revoked) when the client is over ``THROTTLE_REVOKE_PER_CLIENT``."""
    limit = Limit.parse("revoke-client", settings.THROTTLE_REVOKE_PER_CLIENT)
    verdict = limit_hit(limit, client_id)
    if not verdict.allowed:
        _refuse(
            limit,
            f"Too many token revocations; retry after {verdict.retry_after} seconds.",
            verdict.retry_after,
        )


def _issuance_limit() -> Limit:
    return Limit.parse("token-client", settings.THROTTLE_TOKEN_PER_CLIENT)


def _subjects(client_id: str, address: str | None) -> list[tuple[Limit, str]]:
    address = address or "unknown"
    return [
        (Limit.parse("client-auth-ip", settings.THROTTLE_CLIENT_AUTH_FAILURES_PER_IP), address),
        (
            Limit.parse("client-auth-client-ip", settings.THROTTLE_CLIENT_AUTH_FAILURES_PER_CLIENT_IP),
            f"{client_id[:64]} {address}",
        ),
    ]


def _refuse(limit: Limit, description: str, retry_after: int):
    metrics.THROTTLED.labels(limit=limit.name).inc()
    raise ClientThrottled(description, retry_after)
