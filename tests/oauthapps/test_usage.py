"""Secret use recorded off the token path: Redis, then ``manage.py flush_usage``."""

from datetime import timedelta
from io import StringIO

import pytest
import redis
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from oauthapps.models import ClientSecret
from oauthapps.server import usage
from tests.console.test_throttling import REDIS_URL, redis_available
from tests.oauthapps.test_token_endpoint import credentials, post_token
from tests.oauthapps.test_views import url


@pytest.fixture
def redis_usage(settings):
    if not redis_available():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL},
    }
    raw = redis.Redis.from_url(REDIS_URL)
    for key in raw.scan_iter(match="*usage:secrets*"):
        raw.delete(key)
    usage.usage_forget()
    yield raw
    usage.usage_forget()


def secret_updates(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "clientsecret" in q["sql"]]


def test_without_redis_the_token_path_writes_the_row_once_a_minute(client, issued):
    with CaptureQueriesContext(connection) as first:
        assert post_token(client, credentials(issued)).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert post_token(client, credentials(issued)).status_code == 200
    assert len(secret_updates(first.captured_queries)) == 1
    assert secret_updates(second.captured_queries) == []
    assert ClientSecret.objects.get(app=issued.app).last_used_at is not None


@pytest.mark.django_db(transaction=True)
def test_with_redis_no_row_is_written_and_the_flush_writes_the_use(redis_usage, issued):
    client = Client()
    started = timezone.now().replace(microsecond=0)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert post_token(client, credentials(issued)).status_code == 200
    assert secret_updates(queries.captured_queries) == []
    secret = ClientSecret.objects.get(app=issued.app)
    assert secret.last_used_at is None
    assert redis_usage.hlen(usage.caches[usage.USAGE_CACHE].make_and_validate_key(usage.USAGE_KEY)) == 1

    out = StringIO()
    call_command("flush_usage", stdout=out)
    assert "1" in out.getvalue()
    secret.refresh_from_db()
    assert started <= secret.last_used_at <= timezone.now()
    call_command("flush_usage", stdout=StringIO())  # idempotent: nothing left, nothing changed
    assert ClientSecret.objects.get(pk=secret.pk).last_used_at == secret.last_used_at


@pytest.mark.django_db(transaction=True)
def test_the_flush_never_moves_last_used_backwards_and_resumes_an_interrupted_batch(redis_usage, issued):
    secret = ClientSecret.objects.get(app=issued.app)
    later = timezone.now().replace(microsecond=0)
    ClientSecret.objects.filter(pk=secret.pk).update(last_used_at=later)
    cache = usage.caches[usage.USAGE_CACHE]
    # A batch taken by a flush that crashed before writing, holding an older use.
    stale = cache.make_and_validate_key(usage.FLUSHING_KEY + "crashed")
    redis_usage.hset(stale, str(secret.pk), int((later - timedelta(hours=1)).timestamp()))
    other = issued.app.secrets.create(digest="d" * 64, hint="x", expires_at=later + timedelta(days=1))
    redis_usage.hset(stale, str(other.pk), int(later.timestamp()))
    assert usage.usage_flush() == 1
    assert ClientSecret.objects.get(pk=secret.pk).last_used_at == later
    assert ClientSecret.objects.get(pk=other.pk).last_used_at == later
    assert not redis_usage.exists(stale)


@pytest.mark.django_db(transaction=True)
def test_nothing_is_lost_while_redis_is_down(settings, issued):
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"},
    }
    usage.usage_forget()
    try:
        assert post_token(Client(), credentials(issued)).status_code == 200
    finally:
        usage.usage_forget()
    assert ClientSecret.objects.get(app=issued.app).last_used_at is not None


@pytest.mark.django_db(transaction=True)
def test_the_console_shows_a_use_not_yet_flushed(redis_usage, issued, member):
    assert post_token(Client(), credentials(issued)).status_code == 200
    assert ClientSecret.objects.get(app=issued.app).last_used_at is None
    console = Client()
    console.force_login(member.user)
    page = console.get(url("secrets", issued.app)).content.decode()
    assert "Never" not in page
    usage.usage_flush()
    page = console.get(url("secrets", issued.app)).content.decode()
    assert "Never" not in page
