"""X-Forwarded-For is believed only through TRUSTED_PROXIES, and then only its rightmost
hop that is not a trusted proxy: every hop left of it was written by the client."""

import pytest
from django.test import RequestFactory

from console.actors import client_ip
from tests.oauthapps.test_token_endpoint import form, post_token

LOAD_BALANCER = "10.0.0.2"


def address_of(**meta) -> str | None:
    return client_ip(RequestFactory().get("/", **meta))


def test_forwarded_for_is_ignored_without_trusted_proxies(settings):
    settings.TRUSTED_PROXIES = []
    assert address_of(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.7") == "203.0.113.9"


def test_forwarded_for_is_ignored_from_an_untrusted_peer(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert address_of(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.7") == "203.0.113.9"


def test_the_client_is_the_rightmost_untrusted_hop(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    forwarded = "127.0.0.1, 198.51.100.7, 10.0.0.3"  # the client wrote "127.0.0.1"
    assert address_of(REMOTE_ADDR=LOAD_BALANCER, HTTP_X_FORWARDED_FOR=forwarded) == "198.51.100.7"


def test_a_trusted_peer_without_forwarded_for_is_the_client(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert address_of(REMOTE_ADDR=LOAD_BALANCER) == LOAD_BALANCER


@pytest.mark.django_db
def test_metrics_are_not_opened_by_a_forged_loopback_hop(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.METRICS_BEARER_TOKEN = ""
    forged = {"REMOTE_ADDR": LOAD_BALANCER, "HTTP_X_FORWARDED_FOR": "127.0.0.1, 198.51.100.7"}
    assert client.get("/metrics", **forged).status_code == 403
    through_proxy = {"REMOTE_ADDR": LOAD_BALANCER, "HTTP_X_FORWARDED_FOR": "127.0.0.1"}
    assert client.get("/metrics", **through_proxy).status_code == 200


@pytest.mark.django_db
def test_per_ip_limits_count_each_client_behind_the_load_balancer(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.THROTTLE_TOKEN_PER_IP = "2/60"
    body = form(grant_type="client_credentials", client_id="OQ" + "0" * 32, client_secret="x")

    def status_from(address: str) -> int:
        return post_token(client, body, REMOTE_ADDR=LOAD_BALANCER, HTTP_X_FORWARDED_FOR=address).status_code

    assert [status_from("198.51.100.7") for _ in range(3)] == [401, 401, 429]
    assert status_from("198.51.100.8") == 401


@pytest.mark.django_db
def test_the_audit_records_the_client_behind_the_proxy(client, member, settings):
    from audit.models import AuditEvent

    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.THROTTLE_LOGIN_FAILURES_PER_USER = "1/900"
    through_proxy = {"REMOTE_ADDR": LOAD_BALANCER, "HTTP_X_FORWARDED_FOR": "127.0.0.1, 198.51.100.7"}
    for _ in range(2):
        client.post("/login/", {"username": member.user.email, "password": "wrong password"}, **through_proxy)
    event = AuditEvent.objects.get(event_type="console.login-locked")
    assert event.source_ip_address == "198.51.100.7"
