"""Rate limits: 429 with Retry-After, shared through Redis, local when Redis is down."""

import logging
import time

import pytest
import redis

from console import throttling
from console.throttling import Limit, bucket_key, limit_hit, limits_hit, limits_reset
from tests.oauthapps.test_token_endpoint import credentials, form, post_token

REDIS_URL = "redis://127.0.0.1:6379/14"


def redis_available() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def redis_throttle(settings):
    if not redis_available():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL},
    }
    limits_reset()
    yield
    limits_reset()


def test_limit_allows_up_to_max_then_refuses():
    limit = Limit("test", max_requests=3, window_seconds=60)
    verdicts = [limit_hit(limit, "subject") for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert 1 <= verdicts[-1].retry_after <= 60


def test_subjects_are_counted_separately():
    limit = Limit("test", max_requests=1, window_seconds=60)
    assert limit_hit(limit, "a").allowed and limit_hit(limit, "b").allowed
    assert not limit_hit(limit, "a").allowed


def test_limit_parse():
    assert Limit.parse("x", "5/900") == Limit("x", 5, 900)


@pytest.mark.django_db
def test_token_endpoint_throttles_per_client(client, issued, settings):
    settings.THROTTLE_TOKEN_PER_CLIENT = "2/60"
    assert post_token(client, credentials(issued)).status_code == 200
    assert post_token(client, credentials(issued)).status_code == 200
    response = post_token(client, credentials(issued))
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    body = response.json()
    assert body["error"] == "too_many_requests" and body["code"] == 20429 and body["status"] == 429


@pytest.mark.django_db
def test_token_endpoint_throttles_per_ip_whatever_the_client(client, settings):
    settings.THROTTLE_TOKEN_PER_IP = "3/60"
    statuses = [
        post_token(
            client, form(grant_type="client_credentials", client_id=f"OQ{i:032x}", client_secret="x")
        ).status_code
        for i in range(4)
    ]
    assert statuses == [401, 401, 401, 429]


def test_counts_are_shared_through_redis(redis_throttle):
    limit = Limit("shared", max_requests=2, window_seconds=60)
    assert limit_hit(limit, "k").count == 1
    # A second process has its own memory but the same Redis: it continues the count.
    other_process = throttling._Store()
    assert other_process.incr_many([(bucket_key(limit, "k", time.time()), 61)]) == [2]
    assert not limit_hit(limit, "k").allowed


def test_several_limits_count_in_one_call(redis_throttle):
    per_ip = Limit("ip", max_requests=3, window_seconds=60)
    per_client = Limit("client", max_requests=1, window_seconds=60)
    first = limits_hit([(per_ip, "10.0.0.1"), (per_client, "OQ1")])
    assert [verdict.count for verdict in first] == [1, 1] and all(verdict.allowed for verdict in first)
    second = limits_hit([(per_ip, "10.0.0.1"), (per_client, "OQ1")])
    assert [verdict.count for verdict in second] == [2, 2]
    assert second[0].allowed and not second[1].allowed
    assert limit_hit(per_ip, "10.0.0.1").count == 3  # the same counters as one at a time


def test_redis_down_degrades_to_local_limits(settings, caplog):
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        },
    }
    limits_reset()
    caplog.set_level(logging.WARNING)
    limit = Limit("degraded", max_requests=2, window_seconds=60)
    assert [limit_hit(limit, "k").allowed for _ in range(3)] == [True, True, False]
    assert "local memory" in caplog.text


@pytest.mark.django_db
def test_apis_throttle_per_app(client, account, member, settings):
    from tests.factories import make_app

    settings.THROTTLE_API_PER_APP = "2/60"
    issued = make_app(account, user=member.user, scopes=["/twilio/monitor/events/list"])
    token = post_token(client, credentials(issued)).json()["access_token"]
    statuses = [client.get("/v1/Events", HTTP_AUTHORIZATION=f"Bearer {token}").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = client.get("/v1/Events", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert int(response["Retry-After"]) >= 1
    assert response.json()["code"] == 20429


def test_several_limits_are_read_in_one_round_trip(redis_throttle):
    limits = [
        (Limit("a", max_requests=1, window_seconds=60), "x"),
        (Limit("b", max_requests=5, window_seconds=60), "x"),
    ]
    limits_hit(limits)
    limits_hit(limits)
    client = redis.Redis.from_url(REDIS_URL)
    before = client.info("commandstats")
    verdicts = throttling.limits_exhausted(limits)
    after = client.info("commandstats")
    assert [v.allowed for v in verdicts] == [False, True]
    calls = {name: after[name]["calls"] - before.get(name, {}).get("calls", 0) for name in after}
    assert calls.get("cmdstat_mget") == 1 and not calls.get("cmdstat_get"), calls
