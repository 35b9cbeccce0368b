"""Shared fixtures."""

import pytest

from console.throttling import limits_reset
from oauthapps.server.signing_keys import signing_keys_forget
from oauthapps.server.token_checks import verified_tokens
from tests.factories import AccountFactory, MembershipFactory, make_app


@pytest.fixture
def account(db):
    return AccountFactory()


@pytest.fixture
def member(account):
    return MembershipFactory(account=account)


@pytest.fixture
def issued(account, member):
    """An app of ``account`` with its plaintext secret (``issued.app``, ``issued.secret``)."""
    return make_app(account, user=member.user)


@pytest.fixture
def app(issued):
    return issued.app


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters are per test: the suite itself must not trip them."""
    limits_reset()
    yield


@pytest.fixture(autouse=True)
def _forget_signing_keys():
    """Each test's database starts without keys: drop the per-process key cache too, and
    the signatures it verified."""
    signing_keys_forget()
    verified_tokens.forget()
    yield
    signing_keys_forget()
    verified_tokens.forget()
