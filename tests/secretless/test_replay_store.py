"""Single use of an app's own assertion: Redis when configured, the database otherwise or
when Redis fails (oauthapps/server/assertions.py, ``assertion_use_once``)."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from django_redis import get_redis_connection

from oauthapps.models import UsedAssertion
from oauthapps.server.assertions import REPLAY_CACHE, assertion_use_once
from tests.redis_caches import use_redis_cache

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/11"  # keys are unique per test: nothing is flushed


def with_replay_cache(settings, location: str) -> None:
    use_redis_cache(settings, REPLAY_CACHE, location)


def test_without_redis_the_database_remembers_a_jti():
    until = timezone.now() + timedelta(minutes=5)
    jti = uuid.uuid4().hex
    assert assertion_use_once(client_id="OQ" + "1" * 32, jti=jti, until=until) is True
    assert assertion_use_once(client_id="OQ" + "1" * 32, jti=jti, until=until) is False
    assert assertion_use_once(client_id="OQ" + "2" * 32, jti=jti, until=until) is True  # per client
    assert UsedAssertion.objects.count() == 2


def test_with_redis_a_jti_is_remembered_there_until_exp(settings):
    with_replay_cache(settings, REDIS_URL)
    until = timezone.now() + timedelta(minutes=5)
    jti = uuid.uuid4().hex
    assert assertion_use_once(client_id="OQ" + "1" * 32, jti=jti, until=until) is True
    assert assertion_use_once(client_id="OQ" + "1" * 32, jti=jti, until=until) is False
    assert not UsedAssertion.objects.exists()
    redis = get_redis_connection(REPLAY_CACHE)
    key = next(iter(redis.scan_iter(match="oauthapps:assertion:OQ" + "1" * 32 + ":*", count=1000)))
    assert 0 < redis.ttl(key) <= 301
    redis.delete(key)


def test_when_redis_fails_the_database_answers(settings):
    with_replay_cache(settings, "redis://127.0.0.1:1/0")  # nothing listens there
    until = timezone.now() + timedelta(minutes=5)
    jti = uuid.uuid4().hex
    assert assertion_use_once(client_id="OQ" + "1" * 32, jti=jti, until=until) is True
    assert assertion_use_once(client_id="OQ" + "1" * 32, jti=jti, until=until) is False
    assert UsedAssertion.objects.count() == 1
