"""Revocations instead of token rows: PostgreSQL records them, every process reads them
through Redis, and PostgreSQL answers while Redis cannot (oauthapps/server/revocations.py)."""

import io
import threading
import uuid
from datetime import timedelta
from unittest import mock

import jwt
import pytest
import redis
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from oauthapps import services
from oauthapps.models import OAuthApp, Revocation
from oauthapps.server import revocations
from oauthapps.server.revocations import (
    MARKER,
    REDIS_PREFIX,
    RESYNC_LOCK,
    _SharedRevocations,
    revocations_record,
    shared_revocations,
    token_key,
)
from oauthapps.server.tokens import access_token_claims, access_token_sign
from tests.factories import mint_access_token, token_is_live, web_actor
from tests.oauthapps.test_checks import basic, form
from tests.oauthapps.test_token_endpoint import credentials, post_token
from tests.redis_caches import use_redis_cache

REDIS_URL = "redis://127.0.0.1:6379/11"
UNREACHABLE_REDIS_URL = "redis://127.0.0.1:1/0"

pytestmark = pytest.mark.django_db(transaction=True)  # revocations reach Redis at commit


def redis_settings(settings, url: str) -> None:
    use_redis_cache(settings, "revocations", url)


@pytest.fixture
def shared(settings):
    """Redis as the revocations' shared copy, empty, and this process's view of it fresh."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    client.flushdb()
    redis_settings(settings, REDIS_URL)
    shared_revocations._down_until, shared_revocations._stale = 0.0, False
    yield client
    client.flushdb()
    shared_revocations._down_until, shared_revocations._stale = 0.0, False


def revoke(client, issued, token: str) -> None:
    response = client.post(
        "/v2/token/revoke",
        form(token=token),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic(issued.app.client_id, issued.secret),
    )
    assert response.status_code == 200, response.content


def issue(client, issued) -> str:
    response = post_token(client, credentials(issued))
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def jti_of(token: str) -> str:
    return jwt.decode(token, options={"verify_signature": False})["jti"]


def test_a_check_is_answered_by_the_redis_copy(client, issued, shared):
    token = issue(client, issued)
    assert token_is_live(token)
    assert shared.get(MARKER) is not None  # the first check found no copy and made one
    revoke(client, issued, token)
    assert shared.get(REDIS_PREFIX + token_key(jti_of(token))) is not None  # published on commit
    Revocation.objects.all().delete()  # from here only the Redis copy knows
    assert not token_is_live(token)


def test_a_flushed_redis_is_filled_again_from_postgresql(client, issued, shared):
    token = issue(client, issued)
    revoke(client, issued, token)
    shared.flushdb()  # a restart without persistence
    assert not token_is_live(token)
    assert shared.get(MARKER) is not None
    assert shared.get(REDIS_PREFIX + token_key(jti_of(token))) is not None


def test_while_redis_is_down_postgresql_answers(client, issued, shared, settings):
    revoked, live = issue(client, issued), issue(client, issued)
    revoke(client, issued, revoked)
    redis_settings(settings, UNREACHABLE_REDIS_URL)
    assert not token_is_live(revoked)
    assert token_is_live(live)


def test_a_revocation_redis_missed_reaches_every_check_once_redis_answers(
    client, issued, member, shared, settings
):
    token = issue(client, issued)
    assert token_is_live(token)  # the Redis copy is complete (marker set), without this revocation
    redis_settings(settings, UNREACHABLE_REDIS_URL)
    services.oauth_app_secret_rotate(app=issued.app, actor=web_actor(member.user), revoke_previous=True)
    assert not token_is_live(token)  # PostgreSQL answers meanwhile
    redis_settings(settings, REDIS_URL)
    shared_revocations._down_until = 0.0  # the retry pause has passed
    assert shared.get(MARKER) is not None  # this copy lacks the secret's revocation...
    assert not token_is_live(token)  # ...so the first contact cleared the marker and the copy was redone
    assert shared.get(MARKER) is not None


def test_deleting_an_app_revokes_its_tokens_through_redis(client, issued, member, shared):
    token = issue(client, issued)
    assert token_is_live(token)
    services.oauth_app_delete(app=issued.app, actor=web_actor(member.user))
    assert shared.get(REDIS_PREFIX + f"app:{issued.app.client_id}") is not None
    assert not token_is_live(token)


def test_revoking_one_token_leaves_the_others(client, issued, shared):
    first, second = issue(client, issued), issue(client, issued)
    revoke(client, issued, first)
    assert not token_is_live(first)
    assert token_is_live(second)


def test_a_key_revoked_again_keeps_the_later_until():
    soon, later = timezone.now() + timedelta(minutes=1), timezone.now() + timedelta(hours=1)
    revocations_record([("jti:x", later)])
    revocations_record([("jti:x", soon)])
    assert Revocation.objects.get(key="jti:x").until == later


def test_purge_removes_only_ended_revocations():
    now = timezone.now()
    revocations_record(
        [("jti:ended", now - timedelta(seconds=1)), ("jti:in-force", now + timedelta(hours=1))]
    )
    call_command("purge_expired", stdout=io.StringIO())
    assert list(Revocation.objects.values_list("key", flat=True)) == ["jti:in-force"]


# Tokens issued before 0.2.0 had no ``secret_tag`` claim and were rows; neither exists now.


def test_a_token_of_ours_without_a_secret_tag_is_not_live(issued):
    claims = access_token_claims(
        app=issued.app, secret_tag="", scopes=issued.app.scopes, audience=None, issued_at=timezone.now()
    )
    del claims["secret_tag"]
    assert not token_is_live(access_token_sign(claims))


def test_a_token_without_a_secret_tag_and_without_a_row_is_refused(issued):
    claims = access_token_claims(
        app=issued.app, secret_tag="", scopes=issued.app.scopes, audience=None, issued_at=timezone.now()
    )
    del claims["secret_tag"]
    claims["jti"] = uuid.uuid4().hex
    assert not token_is_live(access_token_sign(claims))


def test_after_a_lapse_only_newer_revocations_are_copied(client, issued, shared):
    an_hour = timedelta(hours=1)
    Revocation.objects.create(
        key="jti:old", until=timezone.now() + an_hour, created_at=timezone.now() - an_hour
    )
    assert token_is_live(issue(client, issued))  # the first copy: everything in force
    assert shared.get(REDIS_PREFIX + "jti:old") is not None
    shared.delete(MARKER)  # the marker lapses
    Revocation.objects.create(key="jti:missed", until=timezone.now() + an_hour)  # its publication was lost
    with CaptureQueriesContext(connection) as queries:
        assert shared_revocations.resync(shared)
    assert "created_at" in queries[-1]["sql"]  # only rows recorded since the last copy
    assert shared.get(REDIS_PREFIX + "jti:missed") is not None


def test_while_another_process_copies_postgresql_answers(client, issued, shared):
    token = issue(client, issued)
    revoke(client, issued, token)
    shared.flushdb()
    shared.set(RESYNC_LOCK, 1, ex=30)  # another process holds the copy lock
    assert not token_is_live(token)
    assert shared.get(MARKER) is None  # this check did not copy


def test_a_lapsed_marker_is_copied_by_one_check_not_by_every_concurrent_one(shared):
    until = timezone.now() + timedelta(days=1)
    Revocation.objects.bulk_create(Revocation(key=f"jti:{index:032x}", until=until) for index in range(2000))
    copies, real_copy = [], _SharedRevocations.resync

    def counted(self, redis_client):
        done = real_copy(self, redis_client)
        copies.append(done)
        return done

    keys, barrier, errors = ("jti:none", "secret:none", "app:none"), threading.Barrier(6), []

    def check():
        try:
            barrier.wait()
            assert not shared_revocations.any_revoked(keys)
        except Exception as exc:  # asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    with mock.patch.object(_SharedRevocations, "resync", counted):
        threads = [threading.Thread(target=check) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert not errors, errors
    assert copies.count(True) == 1, copies


def test_a_copy_interrupted_by_a_flush_is_not_marked_complete(client, issued, shared, monkeypatch):
    monkeypatch.setattr(revocations, "LOAD_BATCH", 2)
    token = issue(client, issued)
    until = timezone.now() + timedelta(hours=1)
    Revocation.objects.create(key=token_key(jti_of(token)), until=until)
    Revocation.objects.bulk_create(Revocation(key=f"jti:filler{index}", until=until) for index in range(5))
    real_execute, calls = redis.client.Pipeline.execute, []

    def execute_then_restart(self, *args, **kwargs):
        result = real_execute(self, *args, **kwargs)
        calls.append(1)
        if len(calls) == 1:
            shared.flushdb()  # Redis restarts empty in the middle of the copy
        return result

    with mock.patch.object(redis.client.Pipeline, "execute", execute_then_restart):
        assert not token_is_live(token)  # PostgreSQL answered: the copy was not completed
    assert shared.get(MARKER) is None
    assert not token_is_live(token)


def test_a_secret_revocation_covers_a_token_signed_as_late_as_the_grant_allows(issued, member, settings):
    OAuthApp.objects.filter(pk=issued.app.pk).update(access_token_ttl=settings.ACCESS_TOKEN_TTL_MAX_SECONDS)
    app = OAuthApp.objects.get(pk=issued.app.pk)
    secret = app.secrets.latest("pk")
    services.oauth_app_secret_rotate(app=app, actor=web_actor(member.user), revoke_previous=True)
    late = timezone.now() + revocations.SIGNED_WITHIN  # authenticated just before, signed late
    claims = jwt.decode(
        mint_access_token(app, issued_at=late, secret=secret), options={"verify_signature": False}
    )
    row = Revocation.objects.get(key=f"secret:{secret.token_tag}")
    assert row.until.timestamp() >= claims["exp"] + settings.TOKEN_CLOCK_LEEWAY_SECONDS


def test_the_grant_does_not_sign_long_after_authenticating(client, issued, monkeypatch):
    from oauthapps.server import client_auth

    real = client_auth.client_secret_check

    def slow_authentication(**kwargs):  # as if the request then stalled for over a minute
        match = real(**kwargs)
        return match._replace(
            authenticated_at=match.authenticated_at - revocations.SIGNED_WITHIN - timedelta(seconds=1)
        )

    monkeypatch.setattr(client_auth, "client_secret_check", slow_authentication)
    response = post_token(client, credentials(issued))
    assert response.status_code == 503 and response.json()["error"] == "temporarily_unavailable"


def test_revocations_per_client_are_limited(client, issued, settings):
    settings.THROTTLE_REVOKE_PER_CLIENT = "2/60"
    tokens = [issue(client, issued) for _ in range(3)]

    def answer(token):
        return client.post(
            "/v2/token/revoke",
            form(token=token),
            content_type="application/x-www-form-urlencoded",
            HTTP_AUTHORIZATION=basic(issued.app.client_id, issued.secret),
        )

    assert [answer(token).status_code for token in tokens] == [200, 200, 429]
    assert Revocation.objects.count() == 2  # the refused one recorded nothing
    assert token_is_live(tokens[2])
    assert answer(tokens[2])["Retry-After"]
