"""Shared fixtures."""

import importlib
import os

import pytest
from django.db import connection
from django.test import override_settings

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


# Argon2 costs ~50 ms and ~100 MiB per password: every factory user paid it, and the suite
# spent most of its time there. Tests hash with Django's fast test hasher; the few that are
# about hashing ask for ``production_password_hashing``.
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PRODUCTION_PASSWORD_HASHERS = importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"]).PASSWORD_HASHERS


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    with override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
        yield


@pytest.fixture
def production_password_hashing(settings):
    """The hashers a deployment uses (Argon2 first), for tests about hashing itself."""
    settings.PASSWORD_HASHERS = PRODUCTION_PASSWORD_HASHERS


@pytest.fixture
def postgres_only():
    """For tests of row and advisory locks: SQLite ignores both, so they skip there."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row and advisory locks (SQLite ignores them); set DATABASE_URL")


@pytest.fixture
def member_client(client, member):
    """The test client signed in as ``member``, an administrator of ``account``."""
    client.force_login(member.user)
    return client


@pytest.fixture
def admin_app(account, member):
    """An app of ``account`` allowed to do everything the IAM and Monitor APIs offer."""
    from tests.api.conftest import EVERYTHING

    return make_app(account, user=member.user, name="Automation", scopes=EVERYTHING)


@pytest.fixture
def api(client, admin_app):
    """The IAM and Monitor APIs through the test client, with ``admin_app``'s token."""
    from tests.api.conftest import Api, token_for

    return Api(client, token_for(client, admin_app))


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
