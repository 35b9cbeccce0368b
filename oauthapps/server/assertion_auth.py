"""Client authentication by assertion (RFC 7523 §2.2): which app, and did it prove itself.

The request carries ``client_assertion_type`` = CLIENT_ASSERTION_TYPE and
``client_assertion``; ``client_id`` is optional for an app's own assertion (its ``iss`` names
the app) and required for a federated one (a platform's ``iss`` names the platform). The
assertion authenticates only an app whose ``token_endpoint_auth_method`` is
``private_key_jwt``: an assertion for a secret app fails as a wrong secret does, and so does
a secret for a key app (RFC 6749 §2.3: one method per client). Failures count against the
same limits as wrong secrets (oauthapps/client_limits.py).
"""

import logging
from dataclasses import dataclass

from django.utils import timezone

from console.sids import is_sid
from console.throttling import limits_exhausted, limits_hit
from oauthapps.client_limits import _refuse, _subjects
from oauthapps.models import AppStatus, AuthMethod, OAuthApp
from oauthapps.server.assertions import (
    AssertionCredential,
    AssertionRejected,
    federated_verify,
    private_key_jwt_verify,
    unverified_claims,
)

logger = logging.getLogger(__name__)

MAX_ASSERTION_CHARS = 16 * 1024  # platform tokens are a few KiB; the form itself is capped at 1 MiB


@dataclass(frozen=True)
class PresentedAssertion:
    """A client assertion as a token request presents it: the form's ``client_id`` (may be
    empty) and ``client_assertion``."""

    client_id: str
    assertion: str


class ClientIdRequired(Exception):
    """A federated assertion without ``client_id``: the request is malformed (invalid_request)."""


def assertion_client_id(*, client_id: str | None, assertion: str) -> str:
    """The Client ID the request names: ``client_id`` when given, else the assertion's
    ``iss`` when it is one of ours (an app's own assertion). Raises ClientIdRequired when
    neither names a client (a federated assertion must name its app)."""
    if client_id:
        return client_id
    try:
        issuer = unverified_claims(assertion).get("iss")
    except AssertionRejected:
        issuer = None
    if not is_sid(issuer, "OQ"):
        raise ClientIdRequired(
            "client_id is required with a federated client_assertion: name the app it authenticates."
        )
    return issuer


def client_assertion_authenticate(
    *, client_id: str, assertion: str
) -> tuple[OAuthApp, AssertionCredential] | None:
    """The app and what the assertion proved, or None (the reason is logged, never told)."""
    if not is_sid(client_id, "OQ") or not assertion or len(assertion) > MAX_ASSERTION_CHARS:
        return None
    app = (
        OAuthApp.objects.select_related("account")
        .filter(client_id=client_id, status=AppStatus.ACTIVE)
        .first()
    )
    if app is None or app.token_endpoint_auth_method != AuthMethod.PRIVATE_KEY_JWT:
        return None
    try:
        if unverified_claims(assertion).get("iss") == app.client_id:
            credential = private_key_jwt_verify(app, assertion)
        else:
            credential = federated_verify(app, assertion)
    except AssertionRejected as exc:
        logger.info("Client assertion for %s refused: %s", client_id, exc)
        return None
    app.authenticated_at = timezone.now()
    return app, credential


def client_assertion_authenticate_limited(
    *, client_id: str, assertion: str, address: str | None
) -> tuple[OAuthApp, AssertionCredential] | None:
    """``client_assertion_authenticate`` within the failure limits a wrong secret counts
    against; raises ``ClientThrottled``."""
    failures = "Too many failed client authentications from this address; retry after {} seconds."
    subjects = _subjects(client_id, address)
    for (limit, _subject), verdict in zip(subjects, limits_exhausted(subjects), strict=True):
        if not verdict.allowed:
            _refuse(limit, failures.format(verdict.retry_after), verdict.retry_after)
    authenticated = client_assertion_authenticate(client_id=client_id, assertion=assertion)
    if authenticated is None:
        for (limit, _subject), verdict in zip(subjects, limits_hit(subjects), strict=True):
            if not verdict.allowed:
                _refuse(limit, failures.format(verdict.retry_after), verdict.retry_after)
    return authenticated
