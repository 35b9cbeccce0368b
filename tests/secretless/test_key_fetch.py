"""Fetching keys from elsewhere (oauthapps/server/key_fetch.py): SSRF rules, caps, cache."""

import socket

import pytest

from oauthapps.server import key_fetch
from oauthapps.server.key_fetch import (
    MAX_BYTES,
    Fetched,
    KeyDocumentCache,
    KeyFetchError,
    fetch_json,
    issuer_jwks,
)
from tests.issuer import LocalIssuer, SigningKey


def test_a_local_issuers_keys_are_fetched_through_its_discovery_document(issuer):
    assert issuer_jwks(issuer.url)["keys"] == [issuer.keys[0].jwk]


def test_loopback_is_refused_when_debug_is_off(settings):
    settings.KEY_FETCH_ALLOW_LOOPBACK = False
    with LocalIssuer() as running:
        with pytest.raises(KeyFetchError, match="https"):
            fetch_json(running.url + "/jwks")  # http is refused outright
        with pytest.raises(KeyFetchError, match="not public"):
            key_fetch.resolve_public("127.0.0.1", 443, "https")
        assert running.hits == {}


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "192.168.1.1",
        "172.16.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:10.0.0.1",
        "0.0.0.0",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(settings, address):
    settings.KEY_FETCH_ALLOW_LOOPBACK = False
    with pytest.raises(KeyFetchError, match="not public"):
        fetch_json(f"https://[{address}]/jwks" if ":" in address else f"https://{address}/jwks")


def test_a_name_resolving_to_a_private_address_is_refused(settings, monkeypatch):
    settings.KEY_FETCH_ALLOW_LOOPBACK = False
    public_and_private = [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 443)),
    ]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: public_and_private)
    with pytest.raises(KeyFetchError, match=r"not public \(10.1.2.3\)"):
        fetch_json("https://keys.example.com/jwks")


def test_even_with_debug_plain_http_goes_only_to_loopback(loopback_allowed, monkeypatch):
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *args, **kwargs: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 80))],
    )
    with pytest.raises(KeyFetchError, match="not public"):
        fetch_json("http://keys.example.com/jwks")


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/jwks", "https://user:pw@example.com/jwks", "https://example.com/jwks#x", "jwks"],
)
def test_urls_other_than_plain_https_are_refused(url):
    with pytest.raises(KeyFetchError):
        fetch_json(url)


def test_a_redirect_to_another_host_is_not_followed(issuer):
    with LocalIssuer() as other:
        issuer.redirect_jwks_to = other.url + "/jwks"
        with pytest.raises(KeyFetchError, match="another host"):
            fetch_json(issuer.url + "/jwks")
        assert other.hits == {}


def test_a_redirect_to_localhost_by_name_is_another_host(issuer):
    issuer.redirect_jwks_to = issuer.url.replace("127.0.0.1", "localhost") + "/moved-jwks"
    with pytest.raises(KeyFetchError, match="another host"):
        fetch_json(issuer.url + "/jwks")


def test_a_redirect_on_the_same_host_is_followed(issuer):
    issuer.redirect_jwks_to = "/moved-jwks"
    assert fetch_json(issuer.url + "/jwks").document["keys"] == [issuer.keys[0].jwk]


def test_an_oversized_answer_is_refused(issuer):
    issuer.jwks_padding = MAX_BYTES
    with pytest.raises(KeyFetchError, match="more than"):
        fetch_json(issuer.url + "/jwks")


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("max-age=10", 300), ("public, max-age=7200", 7200), ("max-age=9999999", 86400), ("no-store", 300)],
)
def test_cache_control_is_bounded_between_5_minutes_and_a_day(issuer, header, seconds):
    issuer.cache_control = header
    assert fetch_json(issuer.url + "/jwks").max_age == seconds


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _counting_cache():
    calls = []

    def fetch(url):
        calls.append(url)
        return Fetched({"keys": [], "n": len(calls)}, 300)

    clock = FakeClock()
    return KeyDocumentCache(fetch=fetch, clock=clock), calls, clock


def test_a_fresh_document_is_served_from_the_cache():
    cache, calls, clock = _counting_cache()
    cache.get("https://a/jwks")
    clock.now += 299
    cache.get("https://a/jwks")
    assert len(calls) == 1
    clock.now += 2
    cache.get("https://a/jwks")
    assert len(calls) == 2


def test_refetch_on_an_unknown_kid_happens_at_most_once_per_30_seconds_per_url():
    cache, calls, clock = _counting_cache()
    cache.get("https://a/jwks")
    for _ in range(50):  # a flood of unknown kids
        cache.get("https://a/jwks", refresh=True)
    assert len(calls) == 1
    clock.now += 30
    for _ in range(50):
        cache.get("https://a/jwks", refresh=True)
    assert len(calls) == 2
    cache.get("https://b/jwks", refresh=True)  # per URL
    assert len(calls) == 3


def test_a_failed_fetch_is_not_retried_for_30_seconds():
    calls = []

    def failing(url):
        calls.append(url)
        raise KeyFetchError("down")

    clock = FakeClock()
    cache = KeyDocumentCache(fetch=failing, clock=clock)
    for _ in range(20):
        with pytest.raises(KeyFetchError):
            cache.get("https://a/jwks")
    assert len(calls) == 1
    clock.now += 31
    with pytest.raises(KeyFetchError):
        cache.get("https://a/jwks")
    assert len(calls) == 2


def test_a_look_alike_discovery_document_is_refused(issuer):
    issuer.issuer_in_document = issuer.url + "/"
    with pytest.raises(KeyFetchError, match="names another issuer"):
        issuer_jwks(issuer.url)


def test_a_rotation_at_the_issuer_is_seen_on_refresh_after_30_seconds(issuer, monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(key_fetch.documents, "clock", clock)
    assert issuer_jwks(issuer.url)["keys"] == [issuer.keys[0].jwk]
    issuer.keys = [SigningKey(kid="k2")]
    assert issuer_jwks(issuer.url)["keys"] != [issuer.keys[0].jwk]  # cached
    assert issuer_jwks(issuer.url, refresh=True)["keys"] != [issuer.keys[0].jwk]  # too soon
    clock.now += 30
    assert issuer_jwks(issuer.url, refresh=True)["keys"] == [issuer.keys[0].jwk]
    assert issuer.hits["/jwks"] == 2


def test_concurrent_requests_for_one_url_wait_for_one_fetch():
    import threading
    import time

    calls = []

    def slow(url):
        calls.append(url)
        time.sleep(0.3)
        return Fetched({"keys": []}, 300)

    cache = KeyDocumentCache(fetch=slow)
    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("https://a/jwks"))) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and results == [{"keys": []}] * 5
