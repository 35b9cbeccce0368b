"""Retiring the only signing key: the workers that next sign create one key between them.

Each worker (process) finds no active key at about the same moment; without one locked
creation each made its own, and two active keys signed at once.
"""

import contextlib

import pytest
from django.db import connection

from oauthapps.models import SigningKey
from oauthapps.server import signing_keys
from oauthapps.server.signing_keys import (
    LoadedKey,
    signing_key_active,
    signing_key_create,
    signing_key_retire,
)
from tests.oauthapps.test_concurrency import run_together

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the cross-process lock is PostgreSQL's advisory lock; set DATABASE_URL")


def test_workers_finding_no_active_key_create_exactly_one(monkeypatch):
    only = signing_key_create()
    signing_key_retire(kid=only.kid)
    # Threads stand for worker processes: without the in-process lock only the database's
    # lock keeps them from creating a key each.
    monkeypatch.setattr(signing_keys, "_creation_lock", contextlib.nullcontext())
    outcomes = run_together(*[signing_key_active] * 4)
    assert all(isinstance(outcome, LoadedKey) for outcome in outcomes), outcomes
    assert SigningKey.objects.filter(retired_at__isnull=True).count() == 1
    assert len({outcome.kid for outcome in outcomes}) == 1


def test_threads_of_one_process_create_exactly_one():
    only = signing_key_create()
    signing_key_retire(kid=only.kid)
    outcomes = run_together(*[signing_key_active] * 4)
    assert all(isinstance(outcome, LoadedKey) for outcome in outcomes), outcomes
    assert SigningKey.objects.filter(retired_at__isnull=True).count() == 1
