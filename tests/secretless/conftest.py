"""Fixtures for secretless apps: a local issuer, a clean key cache, loopback allowed."""

import pytest

from oauthapps.server.key_fetch import documents
from tests.issuer import LocalIssuer


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    documents.clear()
    yield
    documents.clear()


@pytest.fixture
def loopback_allowed(settings):
    """As under ``make run`` (DEBUG on): a local issuer over http on 127.0.0.1 is accepted."""
    settings.KEY_FETCH_ALLOW_LOOPBACK = True
    return settings


@pytest.fixture
def issuer(loopback_allowed):
    with LocalIssuer() as running:
        yield running
