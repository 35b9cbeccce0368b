"""Limits on clients that nobody but the client can use up.

Token, introspection and revocation requests all authenticate their client through
``client_authenticate_limited``: only failures are counted, per (client, address) and per
address, so whoever knows a Client ID but not its secret slows down their own address,
never the real client calling from another one. A client secret has 256 bits, so these
limits are not there to stop guessing; they bound what a wrong-secret flood costs.
Tokens per client are counted when one is issued, and revocations per client when one is
asked for, after the client authenticated.
"""

from django.conf import settings

from console import metrics
from console.throttling import Limit, limit_hit, limits_exhausted, limits_hit
from oauthapps.authentication import client_authenticate
from oauthapps.models import OAuthApp


class ClientThrottled(Exception):
    """A client limit is exceeded: the endpoint answers 429 with Retry-After."""

    def __init__(self, description: str, retry_after: int):
        super().__init__(description)
        self.description = description
        self.retry_after = retry_after


def client_authenticate_limited(*, client_id: str, secret: str, address: str | None) -> OAuthApp | None:
    """The app these credentials authenticate, or None; raises ``ClientAuthThrottled``
    when this address has failed too often (for this client, or for any)."""
    failures = "Too many failed client authentications from this address; retry after {} seconds."
    subjects = _subjects(client_id, address)
    for (limit, _subject), verdict in zip(subjects, limits_exhausted(subjects), strict=True):
        if not verdict.allowed:
            _refuse(limit, failures.format(verdict.retry_after), verdict.retry_after)
    app = client_authenticate(client_id=client_id, secret=secret)
    if app is None:
        for (limit, _subject), verdict in zip(subjects, limits_hit(subjects), strict=True):
            if not verdict.allowed:
                _refuse(limit, failures.format(verdict.retry_after), verdict.retry_after)
    return app


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
