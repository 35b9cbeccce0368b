"""Fixed-window rate limits, shared by every process through Redis when REDIS_URL is set.

Without Redis, or while it is unreachable, each limit counts in its own bounded store in
this process's memory: keys of one limit (say, a flood of made-up client ids on the token
endpoint) can never evict the counters of another (the sign-in limits). When Redis is
down it is not retried for a few seconds, so an outage costs no per-request timeouts.
Nothing else depends on Redis. Sign-in lock-outs themselves live in the database
(console/signin.py), not here.
"""

import hashlib
import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

logger = logging.getLogger(__name__)

SHARED_CACHE = "throttle"
RETRY_SHARED_AFTER_SECONDS = 5.0
# Per limit, in each process: an entry is a few hundred bytes, so 100,000 stay in tens of MB.
LOCAL_ENTRIES_PER_LIMIT = 100_000


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
        self._local: dict[str, LocMemCache] = {}
        self._shared_down_until = 0.0
        self._lock = threading.Lock()
        self._scripts: dict[int, object] = {}  # the gated script, per Redis client

    def _local_for(self, limit_name: str) -> LocMemCache:
        """This limit's own store: other limits' keys cannot evict its counters."""
        store = self._local.get(limit_name)
        if store is None:
            with self._lock:
                store = self._local.setdefault(
                    limit_name,
                    LocMemCache(
                        f"throttle-local-{id(self)}-{limit_name}",
                        {"OPTIONS": {"MAX_ENTRIES": LOCAL_ENTRIES_PER_LIMIT}},
                    ),
                )
        return store

    def _shared_cache(self):
        """The shared cache (Redis) when one is configured and not known to be down."""
        if SHARED_CACHE not in settings.CACHES or time.monotonic() < self._shared_down_until:
            return None
        return caches[SHARED_CACHE]

    def _shared_failed(self, exc: Exception) -> None:
        """Redis down or unreachable: degrade to local stores, never fail the request."""
        with self._lock:
            self._shared_down_until = time.monotonic() + RETRY_SHARED_AFTER_SECONDS
        logger.warning("Rate limits use local memory: shared cache unavailable (%s)", type(exc).__name__)

    def incr_many(self, counters: list[tuple[str, int]]) -> list[int]:
        """Add one to each ``(key, ttl)`` counter; their new values, in order."""
        shared = self._shared_cache()
        if shared is not None:
            try:
                return self._incr_many(shared, counters)
            except Exception as exc:  # noqa: BLE001 - any Redis failure means: count locally
                self._shared_failed(exc)
        return [self._incr_many(self._local_for(_limit_of(key)), [(key, ttl)])[0] for key, ttl in counters]

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

    def peek_many(self, keys: list[str]) -> list[int]:
        """The current values of ``keys`` (0 for none), in one round trip to Redis."""
        shared = self._shared_cache()
        if shared is not None:
            try:
                found = shared.get_many(keys)
                return [int(found.get(key) or 0) for key in keys]
            except Exception as exc:  # noqa: BLE001 - any Redis failure means: read locally
                self._shared_failed(exc)
        return [int(self._local_for(_limit_of(key)).get(key) or 0) for key in keys]

    def gated(self, keys: list[str], args: list[int]) -> list[int]:
        """``limits_gated``'s counts: one Lua script on Redis, else the same steps locally."""
        shared = self._shared_cache()
        redis = getattr(getattr(shared, "client", None), "get_client", None) if shared is not None else None
        if redis is not None:
            try:
                client = redis(write=True)
                script = self._scripts.get(id(client))
                if script is None:
                    script = self._scripts[id(client)] = client.register_script(GATED_SCRIPT)
                return [
                    int(value)
                    for value in script(keys=[shared.make_and_validate_key(key) for key in keys], args=args)
                ]
            except Exception as exc:  # noqa: BLE001 - any Redis failure means: count locally
                self._shared_failed(exc)
        return _gated_locally(self, keys, args)

    def take_back(self, key: str) -> None:
        """Subtract one from ``key`` if it still exists (never creates it)."""
        shared = self._shared_cache()
        redis = getattr(getattr(shared, "client", None), "get_client", None) if shared is not None else None
        if redis is not None:
            try:
                redis(write=True).eval(TAKE_BACK_SCRIPT, 1, shared.make_and_validate_key(key))
                return
            except Exception as exc:  # noqa: BLE001 - any Redis failure means: count locally
                self._shared_failed(exc)
        cache = shared if shared is not None and redis is None else self._local_for(_limit_of(key))
        try:
            cache.decr(key)
        except ValueError:  # expired meanwhile
            pass

    def clear(self) -> None:
        for store in list(self._local.values()):
            store.clear()
        self._shared_down_until = 0.0
        if SHARED_CACHE in settings.CACHES:
            try:
                caches[SHARED_CACHE].clear()
            except Exception:  # noqa: S110 - clearing is best effort (tests)
                pass


def _limit_of(key: str) -> str:
    """The limit's name in a ``bucket_key``."""
    return key.split(":", 2)[1]


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
    return limits_exhausted([(limit, subject)])[0]


def limits_exhausted(subjects: list[tuple[Limit, str]]) -> list[Verdict]:
    """``limit_exhausted`` for several limits at once (one Redis round trip)."""
    now = time.time()
    counts = _store.peek_many([bucket_key(limit, subject, now) for limit, subject in subjects])
    return [_verdict(limit, count, now) for (limit, _subject), count in zip(subjects, counts, strict=True)]


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


# Count KEYS[1]; if within ARGV[2], read the next ARGV[3] counters; if each is within its
# maximum, count the last key (when there is one). ARGV: ttl and max of the first, the
# number of reads, the reads' maxima, the last's ttl. Returns the counts made or read.
GATED_SCRIPT = """
local function hit(key, ttl)
  redis.call('SET', key, 0, 'EX', ttl, 'NX')
  return redis.call('INCR', key)
end
local first = hit(KEYS[1], ARGV[1])
local out = {first}
if first > tonumber(ARGV[2]) then return out end
local reads = tonumber(ARGV[3])
local within = true
for i = 1, reads do
  local value = tonumber(redis.call('GET', KEYS[1 + i]) or '0')
  out[#out + 1] = value
  if value > tonumber(ARGV[3 + i]) then within = false end
end
if within and #KEYS > reads + 1 then out[#out + 1] = hit(KEYS[reads + 2], ARGV[4 + reads]) end
return out
"""


TAKE_BACK_SCRIPT = (
    "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end return 0"
)


@dataclass(frozen=True)
class GatedVerdicts:
    """What ``limits_gated`` found (None for a limit it did not reach) and when (``at``)."""

    first: Verdict
    reads: list[Verdict] | None
    last: Verdict | None
    at: float


def limit_take_back(limit: Limit, subject: str, at: float) -> None:
    """Undo one count of ``subject`` made at ``at`` (``time.time()``), if its window lasts."""
    _store.take_back(bucket_key(limit, subject, at))


def limits_gated(
    first: tuple[Limit, str], reads: list[tuple[Limit, str]], last: tuple[Limit, str] | None
) -> GatedVerdicts:
    """Count ``first``; if it is allowed, read ``reads`` (``limits_exhausted``); if they all
    are, count ``last``: in one Redis round trip (a Lua script), or in steps locally."""
    now = time.time()
    limits = [first, *reads, *([last] if last else [])]
    keys = [bucket_key(limit, subject, now) for limit, subject in limits]
    counts = _store.gated(
        keys,
        [
            first[0].window_seconds + 1,
            first[0].max_requests,
            len(reads),
            *(limit.max_requests for limit, _ in reads),
            *([last[0].window_seconds + 1] if last else []),
        ],
    )
    verdicts = [_verdict(limit, count, now) for (limit, _subject), count in zip(limits, counts, strict=False)]
    return GatedVerdicts(
        first=verdicts[0],
        reads=verdicts[1 : 1 + len(reads)] if len(verdicts) > 1 or not reads else None,
        last=verdicts[1 + len(reads)] if last and len(verdicts) > 1 + len(reads) else None,
        at=now,
    )


def _gated_locally(store: _Store, keys: list[str], args: list[int]) -> list[int]:
    ttl, maximum, reads = args[0], args[1], args[2]
    counts = [store.incr_many([(keys[0], ttl)])[0]]
    if counts[0] > maximum:
        return counts
    values = store.peek_many(keys[1 : 1 + reads])
    counts.extend(values)
    if (
        all(value <= limit for value, limit in zip(values, args[3 : 3 + reads], strict=True))
        and len(keys) > reads + 1
    ):
        counts.append(store.incr_many([(keys[-1], args[-1])])[0])
    return counts
