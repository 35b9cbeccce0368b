"""Signing keys from a JWKS URL, cached, refetched on rotation without letting unknown kids flood us."""

import logging
import threading
import time
from collections.abc import Callable

from jwt import PyJWK, PyJWKClient
from jwt.exceptions import PyJWKClientError, PyJWKSetError

logger = logging.getLogger(__name__)


class JwksUnavailable(Exception):
    """The JWKS could not be fetched and no earlier copy is at hand: nothing can be verified."""


class UnknownKey(Exception):
    """No published key has this ``kid``, even after refetching the JWKS."""


class JwksKeys:
    """The keys of one JWKS URL, by ``kid``.

    The set is reused for ``lifespan`` seconds. A ``kid`` it does not hold (a key rotated in
    since the last fetch) triggers an early refetch, at most once per ``refresh_interval``
    seconds, so that tokens with made-up kids cannot turn every request into a fetch. When a
    refetch fails the previous keys stay in use and the fetch is retried after
    ``refresh_interval``: a short outage of the authorization server does not stop its tokens.

    PyJWKClient fetches and parses; its own cache is off because its refresh cooldown (where
    the installed PyJWT has one) starts at every fetch, which would refuse a key rotated in
    just after a routine fetch.
    """

    def __init__(
        self,
        url: str,
        *,
        lifespan: float = 300.0,
        refresh_interval: float = 30.0,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = PyJWKClient(url, cache_jwk_set=False, timeout=timeout)
        self._lifespan = lifespan
        self._refresh_interval = refresh_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, PyJWK] = {}
        self._expires_at: float | None = None
        self._early_refresh_at: float | None = None
        self.fetch_count = 0

    @property
    def url(self) -> str:
        return self._client.uri

    def key_for(self, kid: str) -> PyJWK:
        keys, expires_at = self._keys, self._expires_at
        if expires_at is not None and self._clock() < expires_at and kid in keys:
            return keys[kid]  # the common case takes no lock
        with self._lock:
            now = self._clock()
            if self._expires_at is None or now >= self._expires_at:
                self._refetch(now)
            elif kid not in self._keys and self._early_refresh_allowed(now):
                self._early_refresh_at = now
                self._refetch(now)
            key = self._keys.get(kid)
        if key is None:
            raise UnknownKey(f"No key with kid {kid!r} is published at {self.url}.")
        return key

    def _early_refresh_allowed(self, now: float) -> bool:
        return self._early_refresh_at is None or now - self._early_refresh_at >= self._refresh_interval

    def _refetch(self, now: float) -> None:
        self.fetch_count += 1
        try:
            keys = self._client.get_signing_keys(refresh=True)
        except (PyJWKClientError, PyJWKSetError) as exc:
            if self._expires_at is None:
                raise JwksUnavailable(f"Cannot fetch the JWKS from {self.url}: {exc}") from exc
            logger.warning("Keeping the previous JWKS: cannot fetch %s: %s", self.url, exc)
            self._expires_at = now + self._refresh_interval
            return
        self._keys = {key.key_id: key for key in keys}
        self._expires_at = now + self._lifespan
