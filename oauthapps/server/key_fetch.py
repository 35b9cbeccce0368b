"""Fetching public keys from elsewhere: an app's ``jwks_uri`` and an issuer's OIDC discovery.

The server makes these requests on behalf of whoever registers a URL, so each one is held
to rules that keep it from being turned against the server's own network (SSRF):

- ``https`` only, no user information in the URL;
- the host name is resolved once and every address it resolves to must be a public one (no
  loopback, private, link-local, multicast or reserved address), and the connection goes to
  that address (the name is not resolved a second time, so DNS rebinding cannot swap it);
- redirects are followed (at most 3) only within the same scheme, host and port;
- short timeouts and a size cap on the body.

With ``KEY_FETCH_ALLOW_LOOPBACK`` (on when ``DEBUG`` is, as under ``make run``), addresses on
the loopback interface are accepted, over ``http`` too, so that a developer can try a local
issuer; every other rule holds.

Fetched documents are kept in a cache per process, for as long as the response's
``Cache-Control: max-age`` says, bounded to 5 minutes–1 day. A verifier that meets an
unknown ``kid`` (an issuer rotated its keys) asks for a refetch, which happens at most once
per REFETCH_INTERVAL per URL; so does a retry after a failed fetch. A flood of assertions
with made-up ``kid`` s therefore costs the issuer one request per 30 seconds per process.
"""

import ipaddress
import json
import re
import socket
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings

CONNECT_TIMEOUT_SECONDS = 2.0
READ_TIMEOUT_SECONDS = 3.0
MAX_BYTES = 256 * 1024  # a JWK Set of a few keys is a few KiB; GitHub's is under 4 KiB
MAX_REDIRECTS = 3
MIN_CACHE_SECONDS = 5 * 60
MAX_CACHE_SECONDS = 24 * 60 * 60
REFETCH_INTERVAL_SECONDS = 30.0
MAX_CACHED_URLS = 1000
DISCOVERY_PATH = "/.well-known/openid-configuration"
MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?", re.IGNORECASE)


class KeyFetchError(Exception):
    """A URL that may not be fetched, or a fetch that failed; the message says which rule."""


def url_check(url: str, *, label: str = "URL") -> str:
    """The URL if its form is one we fetch (scheme, host, no userinfo, no fragment); does not
    resolve it. Raises KeyFetchError."""
    if not isinstance(url, str) or len(url) > 2000:
        raise KeyFetchError(f"The {label} must be a URL of at most 2000 characters.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not one
    except ValueError as exc:
        raise KeyFetchError(f"The {label} is not a valid URL.") from exc
    allowed = ("https", "http") if settings.KEY_FETCH_ALLOW_LOOPBACK else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        raise KeyFetchError(f"The {label} must be an https:// URL.")
    if parts.username is not None or parts.password is not None or parts.fragment or "#" in url:
        raise KeyFetchError(f"The {label} must not carry user information or a fragment.")
    return url


def _address_allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address, scheme: str) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return bool(settings.KEY_FETCH_ALLOW_LOOPBACK)
    if scheme != "https":  # plain http only to loopback, for a developer's local issuer
        return False
    return address.is_global and not (address.is_multicast or address.is_reserved)


def resolve_public(host: str, port: int, scheme: str) -> str:
    """One address ``host`` resolves to, after checking that every address it resolves to
    may be fetched from. Raises KeyFetchError."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise KeyFetchError(f"The host {host[:100]} does not resolve.") from exc
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    refused = [address for address in addresses if not _address_allowed(address, scheme)]
    if not addresses or refused:
        raise KeyFetchError(
            f"The host {host[:100]} resolves to an address that is not public "
            f"({refused[0] if refused else 'none'}); keys are fetched only from public https servers."
        )
    return str(addresses[0])


@dataclass(frozen=True)
class Fetched:
    document: dict
    max_age: int


def _cache_seconds(cache_control: str | None) -> int:
    found = MAX_AGE.search(cache_control or "")
    seconds = int(found.group(1)) if found else MIN_CACHE_SECONDS
    return max(MIN_CACHE_SECONDS, min(MAX_CACHE_SECONDS, seconds))


def _get(url: str) -> urllib3.BaseHTTPResponse:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = resolve_public(parts.hostname, port, parts.scheme)
    timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT_SECONDS, read=READ_TIMEOUT_SECONDS)
    options = {"timeout": timeout, "retries": False, "maxsize": 1}
    if parts.scheme == "https":
        # Connect to the checked address; verify the certificate for the host name.
        pool = urllib3.HTTPSConnectionPool(
            address, port, server_hostname=parts.hostname, assert_hostname=parts.hostname, **options
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, **options)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host_header = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    try:
        return pool.urlopen(
            "GET",
            path,
            headers={"Host": host_header, "Accept": "application/json", "User-Agent": "oauthapps-key-fetch"},
            redirect=False,
            preload_content=False,
            retries=False,
        )
    except urllib3.exceptions.HTTPError as exc:
        raise KeyFetchError(f"Fetching {url[:200]} failed ({type(exc).__name__}).") from exc


def _read_capped(response: urllib3.BaseHTTPResponse, url: str) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > MAX_BYTES:
        raise KeyFetchError(f"{url[:200]} answered more than {MAX_BYTES} bytes.")
    body = bytearray()
    try:
        for chunk in response.stream(16 * 1024):
            body += chunk
            if len(body) > MAX_BYTES:
                raise KeyFetchError(f"{url[:200]} answered more than {MAX_BYTES} bytes.")
    except urllib3.exceptions.HTTPError as exc:
        raise KeyFetchError(f"Reading {url[:200]} failed ({type(exc).__name__}).") from exc
    finally:
        response.release_conn()
    return bytes(body)


def fetch_json(url: str) -> Fetched:
    """GET ``url`` under the rules above; the JSON object it answers and how long to keep it."""
    url_check(url)
    origin = urlsplit(url)[:2]
    for _ in range(MAX_REDIRECTS + 1):
        response = _get(url)
        if response.status in (301, 302, 303, 307, 308):
            response.release_conn()
            target = urljoin(url, response.headers.get("Location", ""))
            if urlsplit(target)[:2] != origin:
                raise KeyFetchError(
                    f"{url[:200]} redirects to another host; keys are not fetched from there."
                )
            url = url_check(target)
            continue
        if response.status != 200:
            response.release_conn()
            raise KeyFetchError(f"{url[:200]} answered HTTP {response.status}.")
        body = _read_capped(response, url)
        try:
            document = json.loads(body)
        except (UnicodeDecodeError, ValueError) as exc:
            raise KeyFetchError(f"{url[:200]} did not answer JSON.") from exc
        if not isinstance(document, dict):
            raise KeyFetchError(f"{url[:200]} did not answer a JSON object.")
        return Fetched(document, _cache_seconds(response.headers.get("Cache-Control")))
    raise KeyFetchError(f"{url[:200]} redirects more than {MAX_REDIRECTS} times.")


@dataclass
class _Entry:
    document: dict | None
    expires_at: float
    attempted_at: float
    error: str = ""
    in_flight: threading.Event | None = None


class KeyDocumentCache:
    """Fetched documents by URL, shared by the threads of one process. Holds values only."""

    def __init__(self, fetch=fetch_json, clock=time.monotonic) -> None:
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.fetch = fetch
        self.clock = clock

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def get(self, url: str, *, refresh: bool = False) -> dict:
        """The document at ``url``: the cached one while it is fresh, else fetched. With
        ``refresh`` (a verifier met an unknown key), fetched again unless it was fetched or
        tried less than REFETCH_INTERVAL_SECONDS ago. A request that finds a fetch of the
        same URL under way waits for it. Raises KeyFetchError."""
        for _attempt in range(2):
            now = self.clock()
            with self._lock:
                entry = self._entries.get(url)
                in_flight = entry.in_flight if entry is not None else None
                if in_flight is None:
                    cached_or_claimed = self._cached_or_claim(url, entry, now, refresh)
            if in_flight is not None:
                in_flight.wait(CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS * 2)
                continue
            if isinstance(cached_or_claimed, dict):
                return cached_or_claimed
            return self._fetch_into(url, cached_or_claimed, now)
        raise KeyFetchError(f"Fetching {url[:200]} takes too long.")

    def _cached_or_claim(self, url: str, entry: _Entry | None, now: float, refresh: bool) -> dict | _Entry:
        """Under the lock: the cached document, or a claim on fetching it (an entry whose
        ``in_flight`` event makes concurrent requests wait instead of fetching too)."""
        recently = entry is not None and now - entry.attempted_at < REFETCH_INTERVAL_SECONDS
        fresh = entry is not None and entry.document is not None and now < entry.expires_at
        if fresh and (not refresh or recently):
            return entry.document
        if entry is not None and recently:
            raise KeyFetchError(entry.error or f"{url[:200]} was fetched moments ago without success.")
        claimed = _Entry(
            entry.document if fresh else None, entry.expires_at if fresh else 0.0, now, "", threading.Event()
        )
        self._store(url, claimed)
        return claimed

    def _fetch_into(self, url: str, claimed: _Entry, now: float) -> dict:
        """Fetch ``url`` (without the lock) and settle the claim: the new document, or the
        error that the next REFETCH_INTERVAL_SECONDS of requests get without fetching."""
        event = claimed.in_flight
        try:
            fetched = self.fetch(url)
        except KeyFetchError as exc:
            with self._lock:
                claimed.error, claimed.in_flight = str(exc), None
            raise
        except BaseException:
            with self._lock:
                self._entries.pop(url, None)
            raise
        else:
            with self._lock:
                self._store(url, _Entry(fetched.document, now + fetched.max_age, now))
            return fetched.document
        finally:
            event.set()

    def _store(self, url: str, entry: _Entry) -> None:
        self._entries[url] = entry
        self._entries.move_to_end(url)
        while len(self._entries) > MAX_CACHED_URLS:
            self._entries.popitem(last=False)


documents = KeyDocumentCache()


def jwks_at(url: str, *, refresh: bool = False) -> dict:
    """The JWK Set at ``url`` (an app's ``jwks_uri``)."""
    document = documents.get(url, refresh=refresh)
    if not isinstance(document.get("keys"), list):
        raise KeyFetchError(f"{url[:200]} does not serve a JWK Set.")
    return document


def discovery_url(issuer: str) -> str:
    """OpenID Connect Discovery 1.0 §4: the issuer, without a trailing slash, plus the path."""
    return issuer.rstrip("/") + DISCOVERY_PATH


def issuer_jwks(issuer: str, *, refresh: bool = False) -> dict:
    """The JWK Set of ``issuer``, through its discovery document, whose own ``issuer`` must be
    exactly the same string (OpenID Connect Discovery 1.0 §4.3): a look-alike cannot serve
    keys for another issuer's name."""
    url_check(issuer, label="issuer")
    configuration = documents.get(discovery_url(issuer), refresh=refresh)
    if configuration.get("issuer") != issuer:
        raise KeyFetchError(f"The discovery document of {issuer[:200]} names another issuer.")
    jwks_uri = configuration.get("jwks_uri")
    if not isinstance(jwks_uri, str):
        raise KeyFetchError(f"The discovery document of {issuer[:200]} has no jwks_uri.")
    return jwks_at(url_check(jwks_uri, label="issuer's jwks_uri"), refresh=refresh)
