"""Whoever knows a Client ID cannot lock the real client out: failed client
authentications are counted per (client, address) and per address, on the token,
introspection and revocation endpoints. 127.0.0.1 is the attacker, 127.0.0.2 the client."""

import http.client
from urllib.parse import urlsplit

import pytest

from console.throttling import limits_reset
from tests.oauthapps.test_checks import introspect, issue
from tests.oauthapps.test_token_endpoint import basic, credentials, form, post_token

pytestmark = pytest.mark.django_db

ATTACKER = {"REMOTE_ADDR": "127.0.0.1"}
REAL_CLIENT = {"REMOTE_ADDR": "127.0.0.2"}


def wrong_secret(issued) -> str:
    return form(grant_type="client_credentials", client_id=issued.app.client_id, client_secret="wrong")


def assert_throttled(response):
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    body = response.json()
    assert body["error"] == "too_many_requests" and body["error_description"]
    assert (body["code"], body["status"]) == (20429, 429) and body["message"] and body["more_info"]


def test_wrong_secrets_from_one_address_do_not_refuse_the_real_client(client, issued, settings):
    settings.THROTTLE_TOKEN_PER_CLIENT = "20/60"  # what the attacker used to exhaust
    for _ in range(25):
        post_token(client, wrong_secret(issued), **ATTACKER)
    assert post_token(client, credentials(issued), **REAL_CLIENT).status_code == 200


def test_the_attacking_address_is_refused_after_tens_of_failures(client, issued):
    statuses = [post_token(client, wrong_secret(issued), **ATTACKER).status_code for _ in range(12)]
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    assert_throttled(post_token(client, wrong_secret(issued), **ATTACKER))
    # Refused before the check, even with the right secret: the address is slowed down.
    assert post_token(client, credentials(issued), **ATTACKER).status_code == 429
    assert post_token(client, credentials(issued), **REAL_CLIENT).status_code == 200


def test_failures_for_many_clients_from_one_address_are_limited(client, issued, settings):
    settings.THROTTLE_CLIENT_AUTH_FAILURES_PER_IP = "5/300"
    for n in range(5):
        body = form(grant_type="client_credentials", client_id=f"OQ{n:032x}", client_secret="x")
        assert post_token(client, body, **ATTACKER).status_code == 401
    assert_throttled(post_token(client, wrong_secret(issued), **ATTACKER))
    assert post_token(client, credentials(issued), **REAL_CLIENT).status_code == 200


def test_successes_count_against_nobody(client, issued, settings):
    settings.THROTTLE_CLIENT_AUTH_FAILURES_PER_CLIENT_IP = "2/300"
    assert {post_token(client, credentials(issued), **ATTACKER).status_code for _ in range(5)} == {200}


def test_tokens_per_client_are_counted_once_issued(client, issued, settings):
    settings.THROTTLE_TOKEN_PER_CLIENT = "2/60"
    assert [post_token(client, credentials(issued), **REAL_CLIENT).status_code for _ in range(2)] == [
        200,
        200,
    ]
    assert_throttled(post_token(client, credentials(issued), **REAL_CLIENT))


def test_introspection_failures_do_not_refuse_the_real_client(client, issued, settings):
    settings.THROTTLE_CLIENT_AUTH_FAILURES_PER_CLIENT_IP = "3/300"
    token = issue(client, issued)
    wrong = {"HTTP_AUTHORIZATION": basic(issued.app.client_id, "wrong"), **ATTACKER}
    statuses = [client.post("/v2/token/introspect", {"token": token}, **wrong).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert_throttled(client.post("/v2/token/introspect", {"token": token}, **wrong))
    response = client.post(
        "/v2/token/introspect",
        {"token": token},
        HTTP_AUTHORIZATION=basic(issued.app.client_id, issued.secret),
        **REAL_CLIENT,
    )
    assert response.status_code == 200 and response.json()["active"] is True


def test_revocation_failures_do_not_refuse_the_real_client(client, issued, settings):
    settings.THROTTLE_CLIENT_AUTH_FAILURES_PER_CLIENT_IP = "3/300"
    token = issue(client, issued)

    def revoke(secret, address):
        return client.post(
            "/v2/token/revoke",
            form(token=token),
            content_type="application/x-www-form-urlencoded",
            HTTP_AUTHORIZATION=basic(issued.app.client_id, secret),
            **address,
        )

    assert [revoke("wrong", ATTACKER).status_code for _ in range(4)] == [401, 401, 401, 429]
    assert_throttled(revoke("wrong", ATTACKER))
    assert revoke(issued.secret, REAL_CLIENT).status_code == 200
    limits_reset()  # the check below comes from the attacker's address
    assert introspect(client, issued, token).json()["active"] is False


@pytest.mark.django_db(transaction=True)
def test_over_real_sockets_the_attacker_is_refused_and_the_client_is_not(live_server, issued):
    """Two loopback source addresses against a live server: the address is the socket's."""
    host, port = urlsplit(live_server.url).hostname, urlsplit(live_server.url).port

    def post_from(source: str, body: str) -> int:
        connection = http.client.HTTPConnection(host, port, timeout=10, source_address=(source, 0))
        try:
            connection.request(
                "POST", "/v2/token", body, {"Content-Type": "application/x-www-form-urlencoded"}
            )
            return connection.getresponse().status
        finally:
            connection.close()

    attacker = [post_from("127.0.0.1", wrong_secret(issued)) for _ in range(40)]
    assert attacker[:10] == [401] * 10 and set(attacker[10:]) == {429}
    assert post_from("127.0.0.2", credentials(issued)) == 200


def test_behind_a_trusted_proxy_each_client_address_counts_alone(client, issued, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(11):
        post_token(client, wrong_secret(issued), HTTP_X_FORWARDED_FOR="127.0.0.1", **proxy)
    assert_throttled(post_token(client, wrong_secret(issued), HTTP_X_FORWARDED_FOR="127.0.0.1", **proxy))
    real = post_token(client, credentials(issued), HTTP_X_FORWARDED_FOR="127.0.0.2", **proxy)
    assert real.status_code == 200
