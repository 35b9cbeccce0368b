"""A token request makes one Redis round trip for all its rate limits (client_limits.py):
the address's count, the two failure counters and the client's token count, in one script."""

import time

import pytest
from redis.connection import Connection

from console.throttling import Limit, _store, bucket_key, limit_take_back, limits_gated, limits_hit
from oauthapps.server import usage
from tests.console.test_throttling import redis_throttle  # noqa: F401 - a fixture
from tests.oauthapps.test_client_limits import ATTACKER, REAL_CLIENT, wrong_secret
from tests.oauthapps.test_token_endpoint import credentials, post_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """The commands sent to Redis, one entry per round trip."""
    trips = []
    original = Connection.send_packed_command

    def send(self, command, check_health=True):
        trips.append(command)
        return original(self, command, check_health)

    monkeypatch.setattr(Connection, "send_packed_command", send)
    return trips


def test_a_token_costs_one_redis_round_trip(redis_throttle, client, issued, sent):  # noqa: F811
    usage.usage_forget()
    assert post_token(client, credentials(issued)).status_code == 200  # records the secret's use
    sent.clear()
    assert post_token(client, credentials(issued)).status_code == 200
    assert len(sent) == 1, sent
    payload = b"".join(sent[0]) if isinstance(sent[0], list) else sent[0]
    assert b"EVALSHA" in payload


def test_the_address_limit_refuses_before_the_client_limits_are_read(redis_throttle, settings):  # noqa: F811
    first, reads, last = (Limit("a", 1, 60), "x"), [(Limit("b", 5, 60), "x")], (Limit("c", 5, 60), "x")
    assert limits_gated(first, reads, last).last.count == 1
    refused = limits_gated(first, reads, last)
    assert not refused.first.allowed and refused.reads is None and refused.last is None


def test_a_failure_counter_over_its_limit_stops_the_token_count(redis_throttle):  # noqa: F811
    first, reads, last = (Limit("a", 9, 60), "x"), [(Limit("b", 0, 60), "y")], (Limit("c", 5, 60), "z")
    limits_hit([reads[0]])
    found = limits_gated(first, reads, last)
    assert found.first.allowed and not found.reads[0].allowed and found.last is None


@pytest.mark.parametrize("shared", [True, False], ids=["redis", "local"])
def test_wrong_secrets_take_their_token_count_back(request, client, issued, settings, shared):
    if shared:
        request.getfixturevalue("redis_throttle")
    settings.THROTTLE_TOKEN_PER_CLIENT = "3/60"
    settings.THROTTLE_CLIENT_AUTH_FAILURES_PER_CLIENT_IP = "100/300"
    settings.THROTTLE_CLIENT_AUTH_FAILURES_PER_IP = "100/300"
    for _ in range(10):
        assert post_token(client, wrong_secret(issued), **ATTACKER).status_code == 401
    statuses = [post_token(client, credentials(issued), **REAL_CLIENT).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_a_take_back_never_creates_a_counter(redis_throttle):  # noqa: F811
    limit = Limit("gone", 5, 60)
    limit_take_back(limit, "x", time.time())
    assert _store.peek_many([bucket_key(limit, "x", time.time())]) == [0]
