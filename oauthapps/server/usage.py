"""When each client secret was last used (``ClientSecret.last_used_at``), kept off the token path.

``last_used_at`` is a hint for operators (the console's "Last used", the grace-period
metric), not an audit record, so it is recorded at a one-minute resolution:

- with Redis (``REDIS_URL``), a use is one ``HSET`` into the hash ``usage:secrets``, at most
  once a minute per secret and process (each process remembers what it sent), and
  ``manage.py flush_usage`` writes the hash to the database in batches (docs/usage.md: run
  it every minute from cron or a scheduler). A token request then writes no row;
- without Redis (SQLite, ``make run``), or while Redis is unreachable, the request updates
  the row itself, at most once a minute per secret (the row's own ``last_used_at`` says
  when), as before: nothing is lost while Redis is down.

The flush never moves ``last_used_at`` backwards, and a batch is deleted from Redis only
after its transaction committed, so running it twice, or again after a crash, is harmless.
"""

import logging
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models import Case, F, Q, When
from redis.exceptions import ResponseError

from oauthapps.models import ClientSecret

logger = logging.getLogger(__name__)

LAST_USED_RESOLUTION = timedelta(minutes=1)
USAGE_CACHE = "throttle"  # the Redis cache whose errors are raised (console/settings.py)
USAGE_KEY = "usage:secrets"
FLUSHING_KEY = "usage:secrets:flushing:"
FLUSH_BATCH = 500
# Each process remembers when it last sent each secret's use; bounded, cleared when full.
SENT_ENTRIES = 100_000
RETRY_REDIS_AFTER_SECONDS = 5.0


class _Sent:
    """Per process: when each secret's use was last sent to Redis (monotonic seconds)."""

    def __init__(self) -> None:
        self.at: dict[int, float] = {}
        self.redis_down_until = 0.0
        self.lock = threading.Lock()

    def recent(self, secret_pk: int, now: float) -> bool:
        sent = self.at.get(secret_pk)
        return sent is not None and now - sent < LAST_USED_RESOLUTION.total_seconds()

    def note(self, secret_pk: int, now: float) -> None:
        with self.lock:
            if len(self.at) >= SENT_ENTRIES:
                self.at.clear()
            self.at[secret_pk] = now


_sent = _Sent()


def _redis(write: bool = True):
    """The raw Redis client of the usage cache, or None (not configured, or down lately)."""
    if USAGE_CACHE not in settings.CACHES or time.monotonic() < _sent.redis_down_until:
        return None
    cache = caches[USAGE_CACHE]
    get_client = getattr(getattr(cache, "client", None), "get_client", None)
    if get_client is None:
        return None
    return cache, get_client(write=write)


def secret_use_note(secret_pk: int, last_used_at: datetime | None, now: datetime) -> bool:
    """Record that the secret authenticated a client at ``now``. False only on the database
    fallback, when the write finds the secret no longer valid (revoked, lapsed or deleted by
    a change that held its row while the request read it): the request then fails."""
    if last_used_at is not None and now - last_used_at < LAST_USED_RESOLUTION:
        return True
    shared = _redis()
    if shared is not None:
        monotonic = time.monotonic()
        if _sent.recent(secret_pk, monotonic):
            return True
        cache, client = shared
        try:
            client.hset(cache.make_and_validate_key(USAGE_KEY), str(secret_pk), int(now.timestamp()))
        except Exception as exc:  # noqa: BLE001 - any Redis failure means: write the row
            _sent.redis_down_until = time.monotonic() + RETRY_REDIS_AFTER_SECONDS
            logger.warning("Secret use written to the database: Redis unavailable (%s)", type(exc).__name__)
        else:
            _sent.note(secret_pk, monotonic)
            return True
    return bool(ClientSecret.objects.filter(pk=secret_pk).valid_at(now).update(last_used_at=now))


def usage_pending(secret_pks: list[int]) -> dict[int, datetime]:
    """Uses recorded in Redis and not yet flushed, for display beside ``last_used_at``."""
    shared = _redis(write=False)
    if shared is None or not secret_pks:
        return {}
    cache, client = shared
    try:
        values = client.hmget(cache.make_and_validate_key(USAGE_KEY), [str(pk) for pk in secret_pks])
    except Exception:  # noqa: BLE001 - a hint: without Redis, the row's value is shown
        return {}
    return {pk: datetime.fromtimestamp(int(v), tz=UTC) for pk, v in zip(secret_pks, values, strict=True) if v}


def usage_flush() -> int:
    """Write the uses recorded in Redis to ``ClientSecret.last_used_at`` (never backwards);
    the number of secrets written. Idempotent; a batch left by an interrupted flush is
    written first."""
    shared = _redis()
    if shared is None:
        return 0
    cache, client = shared
    pending = [
        key.decode() if isinstance(key, bytes) else key
        for key in client.scan_iter(match=cache.make_and_validate_key(FLUSHING_KEY) + "*")
    ]
    current = cache.make_and_validate_key(USAGE_KEY)
    taken = cache.make_and_validate_key(FLUSHING_KEY + uuid.uuid4().hex)
    try:
        client.rename(current, taken)  # new uses go to a fresh hash meanwhile
        pending.append(taken)
    except ResponseError as exc:  # no such key: nothing new since the last flush
        if "no such key" not in str(exc).lower():
            raise
    written = 0
    for key in pending:
        uses = {int(pk): int(at) for pk, at in client.hgetall(key).items()}
        written += _write(uses)
        client.delete(key)
    return written


def _write(uses: dict[int, int]) -> int:
    """One UPDATE per batch of FLUSH_BATCH secrets, each moved forward only."""
    written = 0
    items = sorted(uses.items())
    for start in range(0, len(items), FLUSH_BATCH):
        batch = [(pk, datetime.fromtimestamp(at, tz=UTC)) for pk, at in items[start : start + FLUSH_BATCH]]
        newer = Q()
        for pk, at in batch:
            newer |= Q(pk=pk) & (Q(last_used_at__isnull=True) | Q(last_used_at__lt=at))
        with transaction.atomic():
            written += ClientSecret.objects.filter(newer).update(
                last_used_at=Case(*(When(pk=pk, then=at) for pk, at in batch), default=F("last_used_at"))
            )
    return written


def usage_forget() -> None:
    """Tests: forget what this process sent, and that Redis was down."""
    with _sent.lock:
        _sent.at.clear()
        _sent.redis_down_until = 0.0
