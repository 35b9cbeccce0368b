"""Clock skew: one leeway (TOKEN_CLOCK_LEEWAY_SECONDS) for every verifier of our tokens.

With several hosts, a token minted on a host whose clock runs ahead carries an ``iat``/``nbf``
a few seconds in the future of another host; one that expired a moment ago on one clock is
still live on another. Within the leeway both pass; beyond it both are refused.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from oauthapps.resource_server.conf import token_verifier
from oauthapps.server.token_checks import token_check
from oauthapps.server.tokens import InvalidAccessToken
from tests.factories import mint_access_token

pytestmark = pytest.mark.django_db

LEEWAY = 10


@pytest.fixture(autouse=True)
def _leeway(settings):
    settings.TOKEN_CLOCK_LEEWAY_SECONDS = LEEWAY


def test_a_token_issued_a_few_seconds_ahead_passes(app):
    token = mint_access_token(app, issued_at=timezone.now() + timedelta(seconds=LEEWAY - 4))
    assert token_check(token).client_id == app.client_id
    assert token_check(token).client_id == app.client_id  # the remembered signature too


def test_a_token_issued_beyond_the_leeway_is_refused(app):
    token = mint_access_token(app, issued_at=timezone.now() + timedelta(seconds=LEEWAY + 30))
    with pytest.raises(InvalidAccessToken):
        token_check(token)


def test_a_token_expired_within_the_leeway_still_passes(app, settings):
    ttl = timedelta(seconds=settings.ACCESS_TOKEN_TTL_SECONDS)
    token = mint_access_token(app, issued_at=timezone.now() - ttl - timedelta(seconds=LEEWAY - 4))
    assert token_check(token).client_id == app.client_id


def test_a_token_expired_beyond_the_leeway_is_refused(app, settings):
    ttl = timedelta(seconds=settings.ACCESS_TOKEN_TTL_SECONDS)
    token = mint_access_token(app, issued_at=timezone.now() - ttl - timedelta(seconds=LEEWAY + 30))
    with pytest.raises(InvalidAccessToken):
        token_check(token)


def test_a_remembered_signature_expires_with_the_same_leeway(app, settings, monkeypatch):
    ttl = timedelta(seconds=settings.ACCESS_TOKEN_TTL_SECONDS)
    issued_at = timezone.now() - ttl + timedelta(seconds=2)
    token = mint_access_token(app, issued_at=issued_at)
    assert token_check(token)  # remembered now; then the clock moves past exp + leeway
    later = timezone.now() + timedelta(seconds=LEEWAY + 30)
    monkeypatch.setattr("time.time", lambda: later.timestamp())
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    with pytest.raises(InvalidAccessToken):
        token_check(token)


def test_the_resource_server_helper_uses_the_same_leeway(settings):
    settings.OAUTH_APPS_JWKS_URL = "http://127.0.0.1:9/.well-known/jwks.json"
    settings.OAUTH_APPS_ISSUER = settings.OAUTH_ISSUER
    settings.TOKEN_CLOCK_LEEWAY_SECONDS = 7
    assert token_verifier().leeway_seconds == 7
