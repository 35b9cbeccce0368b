"""Fixed-window rate limits, shared by every process through Redis when REDIS_URL is set.

When Redis is unreachable the limits fall back to this process's memory (a degraded but
still protective mode) and Redis is not retried for a few seconds, so an outage costs no
per-request timeouts. Nothing else depends on Redis.
"""

import hashlib
import logging
import threading
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

logger = logging.getLogger(__name__)

SHARED_CACHE = "throttle"
RETRY_SHARED_AFTER_SECONDS = 5.0


@dataclass(frozen=True)
class Limit:
    name: str
    max_requests: int
    window_seconds: int

    @classmethod
    def parse(cls, name: str, spec: str) -> "Limit":
        """``"600/60"``: at most 600 requests per 60 seconds."""
        count, _, window = spec.partition("/")
        return cls(name=name, max_requests=int(count), window_seconds=int(window or 60))


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int
    count: int


class _Store:
    def __init__(self) -> None:
        self.local = LocMemCache("throttle-local", {"OPTIONS": {"MAX_ENTRIES": 100_000}})
        self._shared_down_until = 0.0
        self._lock = threading.Lock()

    def _on_available_cache(self, operation):
        """``operation(cache)`` on the shared cache, or on local memory while it is down."""
        if time.monotonic() >= self._shared_down_until:
            try:
                return operation(caches[SHARED_CACHE])
            except Exception as exc:  # Redis down or unreachable: degrade, never fail the request
                with self._lock:
                    self._shared_down_until = time.monotonic() + RETRY_SHARED_AFTER_SECONDS
                logger.warning(
                    "Rate limits use local memory: shared cache unavailable (%s)", type(exc).__name__
                )
        return operation(self.local)

    def incr_many(self, counters: list[tuple[str, int]]) -> list[int]:
        """Add one to each ``(key, ttl)`` counter; their new values, in order."""
        return self._on_available_cache(lambda cache: self._incr_many(cache, counters))

    @staticmethod
    def _incr_many(cache, counters: list[tuple[str, int]]) -> list[int]:
        redis = getattr(getattr(cache, "client", None), "get_client", None)
        if redis is not None:
            # django-redis: one round trip for every counter (SET NX EX, INCR each).
            pipeline = redis(write=True).pipeline(transaction=False)
            for key, ttl in counters:
                name = cache.make_and_validate_key(key)
                pipeline.set(name, 0, ex=ttl, nx=True)
                pipeline.incr(name)
            return pipeline.execute()[1::2]
        values = []
        for key, ttl in counters:
            cache.add(key, 0, ttl)
            try:
                values.append(cache.incr(key))
            except ValueError:  # expired between add and incr
                cache.set(key, 1, ttl)
                values.append(1)
        return values

    def peek(self, key: str) -> int:
        return self._on_available_cache(lambda cache: int(cache.get(key) or 0))

    def clear(self) -> None:
        self.local.clear()
        self._shared_down_until = 0.0
        try:
            caches[SHARED_CACHE].clear()
        except Exception:  # noqa: S110 - clearing is best effort (tests)
            pass


_store = _Store()


def bucket_key(limit: Limit, subject: str, now: float) -> str:
    """The counter of ``subject`` in the current window; the subject itself is hashed, so
    that client ids, emails and addresses never sit in the cache in clear."""
    digest = hashlib.sha256(subject.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"rl:{limit.name}:{digest}:{int(now // limit.window_seconds)}"


def limit_hit(limit: Limit, subject: str) -> Verdict:
    """Count one request of ``subject`` (a client id, an IP, an email) against ``limit``."""
    return limits_hit([(limit, subject)])[0]


def limits_hit(subjects: list[tuple[Limit, str]]) -> list[Verdict]:
    """Count one request against several limits at once (one Redis round trip)."""
    now = time.time()
    counts = _store.incr_many(
        [(bucket_key(limit, subject, now), limit.window_seconds + 1) for limit, subject in subjects]
    )
    return [_verdict(limit, count, now) for (limit, _subject), count in zip(subjects, counts, strict=True)]


def limit_exhausted(limit: Limit, subject: str) -> Verdict:
    """Whether ``subject`` is already over ``limit`` in this window, without counting."""
    now = time.time()
    return _verdict(limit, _store.peek(bucket_key(limit, subject, now)), now)


def _verdict(limit: Limit, count: int, now: float) -> Verdict:
    window_ends = (int(now // limit.window_seconds) + 1) * limit.window_seconds
    retry_after = max(1, int(window_ends - now + 0.999))
    return Verdict(allowed=count <= limit.max_requests, retry_after=retry_after, count=count)


def limits_reset() -> None:
    _store.clear()


class PerAppThrottle:
    """DRF throttle for our APIs: requests per calling app (``request.auth.app``)."""

    def __init__(self) -> None:
        self._retry_after: int | None = None

    def allow_request(self, request, view) -> bool:
        from django.conf import settings

        from console.metrics import THROTTLED

        app = getattr(request.auth, "app", None)
        if app is None:
            return True  # unauthenticated requests are refused by authentication anyway
        limit = Limit.parse("api-app", settings.THROTTLE_API_PER_APP)
        verdict = limit_hit(limit, app.client_id)
        if not verdict.allowed:
            self._retry_after = verdict.retry_after
            THROTTLED.labels(limit=limit.name).inc()
        return verdict.allowed

    def wait(self) -> int | None:
        return self._retry_after
