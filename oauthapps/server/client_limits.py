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
"""

from django.conf import settings

from console import metrics
from console.api_errors import OAuthError
from console.throttling import Limit, limit_hit, limits_exhausted, limits_hit


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


def client_failures_check(*, client_id: str, address: str | None) -> None:
    """Before a client authentication: raises ``ClientThrottled`` when this address has
    failed too often (for this client, or for any)."""
    subjects = _subjects(client_id, address)
    for (limit, _subject), verdict in zip(subjects, limits_exhausted(subjects), strict=True):
        if not verdict.allowed:
            _refuse(limit, FAILURES.format(verdict.retry_after), verdict.retry_after)


def client_failure_count(*, client_id: str, address: str | None) -> None:
    """After a failed client authentication: count it; raises ``ClientThrottled`` when this
    failure is one too many."""
    subjects = _subjects(client_id, address)
    for (limit, _subject), verdict in zip(subjects, limits_hit(subjects), strict=True):
        if not verdict.allowed:
            _refuse(limit, FAILURES.format(verdict.retry_after), verdict.retry_after)


def token_issuance_count(*, client_id: str) -> None:
    """Count one token issued to an authenticated client; raises ``ClientThrottled`` (and
    nothing is issued) when the client is over ``THROTTLE_TOKEN_PER_CLIENT``."""
    limit = Limit.parse("token-client", settings.THROTTLE_TOKEN_PER_CLIENT)
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
