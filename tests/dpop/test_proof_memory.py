"""Each DPoP proof is accepted once: in Redis when configured, else (and while Redis is
away) in the database, which every process shares."""

import time

import pytest
import redis

from oauthapps.models import DPoPProofUse
from oauthapps.server.dpop import InvalidProof
from oauthapps.server.dpop_proofs import REDIS_PREFIX, proof_accept, proof_key, proof_memory
from tests.dpop.proofs import DPoPKey
from tests.redis_caches import use_redis_cache

URL = "http://testserver/v1/Events"
REDIS_URL = "redis://127.0.0.1:6379/13"
UNREACHABLE_REDIS_URL = "redis://127.0.0.1:1/0"


def accept(proof: str):
    return proof_accept(proof, method="GET", uris=(URL,))


def redis_settings(settings, url: str) -> None:
    use_redis_cache(settings, "dpop-proofs", url)


@pytest.fixture
def shared(settings):
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    redis_settings(settings, REDIS_URL)
    proof_memory._redis_down_until = 0.0
    yield client
    proof_memory._redis_down_until = 0.0


@pytest.fixture
def key():
    return DPoPKey()


def test_without_redis_a_replay_is_refused_by_the_database(db, settings, key):
    assert "dpop-proofs" not in settings.CACHES
    proof = key.proof("GET", URL)
    accepted = accept(proof)
    assert DPoPProofUse.objects.filter(key=proof_key(accepted)).exists()
    with pytest.raises(InvalidProof, match="used before"):
        accept(proof)


def test_the_same_jti_from_another_key_is_another_proof(db, key):
    accept(key.proof("GET", URL, jti="same"))
    accept(DPoPKey().proof("GET", URL, jti="same"))


def test_a_row_past_its_window_is_taken_over(db, key):
    proof = key.proof("GET", URL)
    accepted = accept(proof)
    DPoPProofUse.objects.filter(key=proof_key(accepted)).update(until="2000-01-01T00:00:00Z")
    accept(proof)  # still within its iat window; the stale row no longer counts
    with pytest.raises(InvalidProof, match="used before"):
        accept(proof)


def test_with_redis_a_replay_is_refused_and_the_key_expires_with_the_window(db, shared, key, settings):
    proof = key.proof("GET", URL)
    accepted = accept(proof)
    name = REDIS_PREFIX + proof_key(accepted)
    ttl = shared.ttl(name)
    window = settings.DPOP_PROOF_MAX_AGE_SECONDS + settings.TOKEN_CLOCK_LEEWAY_SECONDS
    assert window - 5 <= ttl <= window + 2
    assert not DPoPProofUse.objects.exists()
    with pytest.raises(InvalidProof, match="used before"):
        accept(proof)


def test_while_redis_is_down_the_database_remembers(db, shared, key, settings):
    redis_settings(settings, UNREACHABLE_REDIS_URL)
    proof = key.proof("GET", URL)
    started = time.monotonic()
    accept(proof)
    assert time.monotonic() - started < 3
    with pytest.raises(InvalidProof, match="used before"):
        accept(proof)
    assert DPoPProofUse.objects.count() == 1


def test_an_old_proof_is_refused_before_it_is_remembered(db, key, settings):
    old = key.proof("GET", URL, iat=time.time() - settings.DPOP_PROOF_MAX_AGE_SECONDS - 60)
    with pytest.raises(InvalidProof, match="iat"):
        accept(old)
    assert not DPoPProofUse.objects.exists()
