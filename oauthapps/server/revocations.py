"""Revoked access tokens: recorded in PostgreSQL, read by every process through Redis.

Issuing a token writes nothing. A token stops before its ``exp`` when one of its three keys
is revoked:

- ``jti:<jti>``: that one token (RFC 7009 revocation);
- ``secret:<secret_tag>``: every token the secret obtained (a leaked secret revoked);
- ``app:<client_id>``: every token of a deleted app.

PostgreSQL holds the record: a ``Revocation`` row per key, kept until every token it covers
has expired. With ``REDIS_URL`` set, checks read it through Redis, where each revoked key
is a Redis key that outlives its row, and one ``MGET`` answers a check. A marker key says
the Redis copy is complete. When it is missing (Redis restarted or was flushed) or has
lapsed (every RESYNC_SECONDS), the check that notices takes a short lock and copies the
rows in force into Redis before it answers: all of them after a restart, else those
recorded since the last copy. Other processes ask PostgreSQL until it is done.

A revocation is published to Redis as its transaction commits, before the revoking request
is answered, so it takes effect at once in every process. Had Redis refused that one write
while the checking processes still reached it, the next copy repairs it, and so does the
revoking process as soon as Redis answers it again: it clears the marker and the copy's
time, so everything is copied again. While Redis is unreachable, checks ask PostgreSQL
(one indexed query) and Redis is tried again after a few seconds. Without ``REDIS_URL``,
every check asks PostgreSQL.
"""

import logging
import threading
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone
from django_redis import get_redis_connection

from oauthapps.models import Revocation

logger = logging.getLogger(__name__)

SHARED_CACHE = "revocations"
REDIS_PREFIX = "oauthapps:revoked:"
MARKER = "oauthapps:revocations:complete"
COPIED_AT = "oauthapps:revocations:copied-at"
RESYNC_LOCK = "oauthapps:revocations:copying"
RESYNC_SECONDS = 5  # an incremental copy: a few rows, on an index
RESYNC_LOCK_SECONDS = 120
RESYNC_OVERLAP = timedelta(minutes=5)  # more than any two hosts' clocks differ
# Marks the copy complete only if this copier still holds the lock (it is gone when Redis
# restarted or was flushed during the copy), then releases the lock.
COMPLETE_SCRIPT = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('set', KEYS[2], 1, 'EX', ARGV[2])
  redis.call('set', KEYS[3], ARGV[3])
  redis.call('del', KEYS[1])
  return 1
end
return 0
"""
RETRY_REDIS_AFTER_SECONDS = 5.0
LOAD_BATCH = 5000

# Only model metadata is formatted in; the keys are parameters.
# Any row counts, ``until`` or not: a revocation past its ``until`` covers only tokens past
# their ``exp`` and leeway, which the lifetime check refused before asking. Without ``until``
# in it, PostgreSQL no longer re-plans the statement on every execution at a million rows
# (docs/performance.md, "Round 3").
REVOKED_SQL = f"SELECT 1 FROM {Revocation._meta.db_table} WHERE key IN (%s, %s, %s) LIMIT 1"  # noqa: S608


def token_key(jti: str) -> str:
    return f"jti:{jti}"


def secret_key(token_tag: str) -> str:
    return f"secret:{token_tag}"


def app_key(client_id: str) -> str:
    return f"app:{client_id}"


def revocation_keys(claims: dict) -> tuple[str, str, str]:
    """The three keys a token is revoked by. ``claims`` are verified ones of a token that
    carries ``secret_tag`` (every token issued since revocations replaced token rows)."""
    return token_key(claims["jti"]), secret_key(claims["secret_tag"]), app_key(claims["client_id"])


# A token is signed at most this long after its client authenticated (oauthapps/server/grant.py
# refuses to sign later): a revocation racing the request covers a token signed just after it.
SIGNED_WITHIN = timedelta(minutes=1)


def covering_until(now: datetime) -> datetime:
    """How long a revocation of a secret or an app must be kept: until the longest-lived
    token either may have obtained before it, or while it committed, has expired on every
    host's clock."""
    return (
        now
        + SIGNED_WITHIN
        + timedelta(seconds=settings.ACCESS_TOKEN_TTL_MAX_SECONDS + settings.TOKEN_CLOCK_LEEWAY_SECONDS + 1)
    )


def secret_tokens_until(ended_at: datetime, token_ttl_max: int | None) -> datetime:
    """When the last token a secret that stopped at ``ended_at`` obtained has expired on every
    host's clock: it was signed at most SIGNED_WITHIN after the secret's last use and lives at
    most ``token_ttl_max`` seconds (ACCESS_TOKEN_TTL_MAX_SECONDS when unknown)."""
    ttl = settings.ACCESS_TOKEN_TTL_MAX_SECONDS if token_ttl_max is None else token_ttl_max
    return ended_at + SIGNED_WITHIN + timedelta(seconds=ttl + settings.TOKEN_CLOCK_LEEWAY_SECONDS + 1)


def token_until(claims: dict) -> datetime:
    """How long a revocation of one token must be kept: its ``exp`` plus the clock leeway."""
    return datetime.fromtimestamp(claims["exp"] + settings.TOKEN_CLOCK_LEEWAY_SECONDS, tz=UTC)


def revocations_record(entries: Iterable[tuple[str, datetime]], *, client_id: str = "") -> None:
    """Record ``(key, until)`` revocations in the caller's transaction; they are published
    to Redis when it commits. A key revoked again keeps the later ``until``. ``client_id``
    names the app a one-token revocation is counted against (REVOCATIONS_MAX_JTI_PER_APP)."""
    entries = list(entries)
    if not entries:
        return
    wanted = dict(entries)
    existing = dict(Revocation.objects.filter(key__in=wanted).values_list("key", "until"))
    rows = [
        Revocation(key=key, until=max(until, existing.get(key, until)), client_id=client_id)
        for key, until in wanted.items()
    ]
    Revocation.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["key"], update_fields=["until"]
    )
    transaction.on_commit(lambda: shared_revocations.publish([(row.key, row.until) for row in rows]))


def token_revocations_in_force(client_id: str, now: datetime):
    """The one-token revocations of ``client_id``'s tokens that are still in force (an index
    range on (client_id, until))."""
    return Revocation.objects.filter(client_id=client_id, until__gt=now, key__startswith="jti:")


def token_revoked(claims: dict) -> bool:
    """Is the token these verified claims belong to revoked, by itself, its secret or its app?"""
    return shared_revocations.any_revoked(revocation_keys(claims))


def _revoked_in_database(keys: tuple[str, str, str]) -> bool:
    connection = connections[router.db_for_read(Revocation)]
    with connection.cursor() as cursor:
        cursor.execute(REVOKED_SQL, list(keys))
        return cursor.fetchone() is not None


class _SharedRevocations:
    """The Redis copy of the revocations in force, and the fallback to PostgreSQL."""

    def __init__(self) -> None:
        self._down_until = 0.0
        self._stale = False
        self._lock = threading.Lock()

    def _redis(self):
        """Redis, unless it is not configured or failed a moment ago. After a failure, the
        first contact clears the marker: a revocation recorded meanwhile may not be in the
        copy, so the next check resyncs."""
        if SHARED_CACHE not in settings.CACHES or time.monotonic() < self._down_until:
            return None
        redis = get_redis_connection(SHARED_CACHE)
        if self._stale:
            try:
                redis.delete(MARKER, COPIED_AT)  # the next check copies everything again
            except Exception as exc:  # noqa: BLE001
                self._failed(exc)
                return None
            self._stale = False
        return redis

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            self._down_until = time.monotonic() + RETRY_REDIS_AFTER_SECONDS
            self._stale = True
        logger.warning("Revocations are read from the database: Redis unavailable (%s)", type(exc).__name__)

    def any_revoked(self, keys: tuple[str, str, str]) -> bool:
        redis = self._redis()
        if redis is not None:
            try:
                names = [REDIS_PREFIX + key for key in keys]
                complete, *found = redis.mget([MARKER, *names])
                if complete is None:
                    if not self.resync(redis):  # another process is copying, or the copy was lost
                        return _revoked_in_database(keys)
                    found = redis.mget(names)
                return any(value is not None for value in found)
            except Exception as exc:  # noqa: BLE001  (any Redis failure: the database answers)
                self._failed(exc)
        return _revoked_in_database(keys)

    def resync(self, redis) -> bool:
        """Copy the revocations in force into Redis, then mark the copy complete. After a
        lapse of the marker only those recorded since the last copy (with an overlap for
        hosts' clocks) are copied; when Redis lost the copy's time (a restart, or a failure
        this process saw), all of them. One process copies at a time (a lock); the marker
        is set only if the lock survived the whole copy, so a copy that a Redis restart or
        flush interrupted is never marked complete. Copies only add keys, so concurrent
        publications cannot undo them. Returns whether this process completed a copy."""
        owner = uuid.uuid4().hex
        if not redis.set(RESYNC_LOCK, owner, nx=True, ex=RESYNC_LOCK_SECONDS):
            return False
        started = timezone.now()
        rows = Revocation.objects.filter(until__gt=started)
        copied_at = redis.get(COPIED_AT)
        if copied_at is not None:
            since = datetime.fromtimestamp(float(copied_at), tz=UTC) - RESYNC_OVERLAP
            rows = rows.filter(created_at__gte=since)
        pipeline = redis.pipeline(transaction=False)
        for copied, (key, until) in enumerate(rows.values_list("key", "until").iterator(LOAD_BATCH), start=1):
            pipeline.set(REDIS_PREFIX + key, 1, exat=int(until.timestamp()) + 1)
            if copied % LOAD_BATCH == 0:
                pipeline.execute()
        pipeline.execute()
        completed = redis.eval(
            COMPLETE_SCRIPT, 3, RESYNC_LOCK, MARKER, COPIED_AT, owner, RESYNC_SECONDS, started.timestamp()
        )
        return bool(completed)

    def publish(self, entries: list[tuple[str, datetime]]) -> None:
        """Copy just-committed revocations into Redis; on failure, make the next check resync."""
        redis = self._redis()
        if redis is None:
            return
        try:
            pipeline = redis.pipeline(transaction=False)
            for key, until in entries:
                pipeline.set(REDIS_PREFIX + key, 1, exat=int(until.timestamp()) + 1)
            pipeline.execute()
        except Exception as exc:  # noqa: BLE001  (the marker is cleared when Redis answers again)
            self._failed(exc)
            logger.error("A revocation was not copied to Redis; it reaches every check by the next resync")


shared_revocations = _SharedRevocations()
