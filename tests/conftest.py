"""Shared fixtures."""

import pytest

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
