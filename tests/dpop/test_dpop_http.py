"""DPoP over HTTP, through Django's test client: the token endpoint (RFC 9449 §5), our own
APIs (§7), the gateway check, introspection (§6.2) and the metadata (§5.1)."""

import time

import jwt
import pytest

from oauthapps import services
from tests.dpop.proofs import DPoPKey
from tests.factories import web_actor
from tests.oauthapps.test_token_endpoint import basic, credentials, form, post_token

pytestmark = pytest.mark.django_db

TOKEN_URL = "http://testserver/v2/token"
EVENTS_URL = "http://testserver/v1/Events"
CHECK_URL = "/v1/gateway/check"
ACCOUNT_PATH = "/2010-04-01/Accounts/{sid}"


@pytest.fixture
def key():
    return DPoPKey("ES256")


def bound_token(client, issued, key, **extra) -> dict:
    response = post_token(client, credentials(issued), HTTP_DPOP=key.proof("POST", TOKEN_URL), **extra)
    assert response.status_code == 200, response.content
    return response.json()


def events(client, token: str, *, scheme="DPoP", proof: str | None = None):
    headers = {"HTTP_AUTHORIZATION": f"{scheme} {token}"}
    if proof is not None:
        headers["HTTP_DPOP"] = proof
    return client.get("/v1/Events", **headers)


def assert_dpop_challenge(response, error: str):
    assert response.status_code == 401, response.content
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith(f'DPoP error="{error}"'), challenge
    assert 'algs="ES256 ES384 RS256 PS256 EdDSA"' in challenge
    return challenge


# Token endpoint ------------------------------------------------------------------------


def test_a_token_request_with_a_proof_gets_a_dpop_token_bound_to_the_key(client, issued, key):
    body = bound_token(client, issued, key)
    assert body["token_type"] == "DPoP"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["cnf"] == {"jkt": key.thumbprint}


@pytest.mark.parametrize("algorithm", ["ES384", "RS256", "PS256", "EdDSA"])
def test_every_accepted_algorithm_binds(client, issued, algorithm):
    key = DPoPKey(algorithm)
    body = bound_token(client, issued, key)
    assert (
        jwt.decode(body["access_token"], options={"verify_signature": False})["cnf"]["jkt"] == key.thumbprint
    )


def test_the_advertised_token_endpoint_url_is_accepted_as_htu(client, issued, key, settings):
    settings.OAUTH_ISSUER = "https://oauth.example.com"
    settings.TOKEN_AUDIENCES = ["https://oauth.example.com"]
    response = post_token(
        client, credentials(issued), HTTP_DPOP=key.proof("POST", "https://oauth.example.com/v2/token")
    )
    assert response.status_code == 200, response.content
    assert response.json()["token_type"] == "DPoP"


def test_without_a_proof_the_token_is_bearer(client, issued):
    response = post_token(client, credentials(issued))
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert "cnf" not in jwt.decode(body["access_token"], options={"verify_signature": False})


def test_basic_authentication_binds_too(client, issued, key):
    response = post_token(
        client,
        form(grant_type="client_credentials"),
        HTTP_AUTHORIZATION=basic(issued.app.client_id, issued.secret),
        HTTP_DPOP=key.proof("POST", TOKEN_URL),
    )
    assert response.status_code == 200 and response.json()["token_type"] == "DPoP"


@pytest.mark.parametrize(
    "make",
    [
        lambda key: key.proof("GET", TOKEN_URL),  # htm
        lambda key: key.proof("POST", "http://testserver/v1/Events"),  # htu
        lambda key: key.proof("POST", TOKEN_URL, iat=time.time() - 3600),  # iat
        lambda key: key.proof("POST", TOKEN_URL, typ="JWT"),  # typ
        lambda key: key.proof("POST", TOKEN_URL, jwk={**key.jwk, "d": "AAAA"}),  # private jwk
        lambda key: "not-a-jwt",
    ],
)
def test_a_bad_proof_is_400_invalid_dpop_proof(client, issued, key, make):
    response = post_token(client, credentials(issued), HTTP_DPOP=make(key))
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "invalid_dpop_proof" and body["error_description"]
    assert response["Cache-Control"] == "no-store"


def test_a_replayed_proof_is_refused_at_the_token_endpoint(client, issued, key):
    proof = key.proof("POST", TOKEN_URL)
    assert post_token(client, credentials(issued), HTTP_DPOP=proof).status_code == 200
    replay = post_token(client, credentials(issued), HTTP_DPOP=proof)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_dpop_proof"
    assert "used before" in replay.json()["error_description"]


def test_an_app_that_requires_dpop_is_refused_without_a_proof(client, issued, key, member):
    services.oauth_app_update(app=issued.app, actor=web_actor(member.user), dpop_bound_access_tokens=True)
    refused = post_token(client, credentials(issued))
    assert refused.status_code == 400, refused.content
    assert refused.json()["error"] == "invalid_dpop_proof"
    assert "requires DPoP" in refused.json()["error_description"]
    assert bound_token(client, issued, key)["token_type"] == "DPoP"


def test_a_proof_does_not_help_a_wrong_secret(client, issued, key):
    response = post_token(
        client,
        form(grant_type="client_credentials", client_id=issued.app.client_id, client_secret="wrong"),
        HTTP_DPOP=key.proof("POST", TOKEN_URL),
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


# Our APIs --------------------------------------------------------------------------------


def test_a_bound_token_with_its_proof_reads_events(client, issued, key):
    token = bound_token(client, issued, key)["access_token"]
    response = events(client, token, proof=key.proof("GET", EVENTS_URL, access_token=token))
    assert response.status_code == 200, response.content


def test_the_proof_may_name_the_url_with_its_query_dropped_and_normalised(client, issued, key):
    token = bound_token(client, issued, key)["access_token"]
    proof = key.proof("GET", "HTTP://TESTSERVER:80/v1/Events?PageSize=5", access_token=token)
    response = client.get("/v1/Events", {"PageSize": 5}, HTTP_AUTHORIZATION=f"DPoP {token}", HTTP_DPOP=proof)
    assert response.status_code == 200, response.content


def test_a_bound_token_sent_as_bearer_is_401_with_a_dpop_challenge(client, issued, key):
    token = bound_token(client, issued, key)["access_token"]
    assert_dpop_challenge(events(client, token, scheme="Bearer"), "invalid_token")
    # ... with a proof beside it too: the Bearer scheme is what is refused.
    response = events(client, token, scheme="Bearer", proof=key.proof("GET", EVENTS_URL, access_token=token))
    assert_dpop_challenge(response, "invalid_token")


def test_a_bound_token_without_a_proof_is_401(client, issued, key):
    token = bound_token(client, issued, key)["access_token"]
    assert_dpop_challenge(events(client, token), "invalid_dpop_proof")


def test_a_replayed_proof_is_401(client, issued, key):
    token = bound_token(client, issued, key)["access_token"]
    proof = key.proof("GET", EVENTS_URL, access_token=token)
    assert events(client, token, proof=proof).status_code == 200
    assert_dpop_challenge(events(client, token, proof=proof), "invalid_dpop_proof")


def test_a_proof_by_another_key_is_401(client, issued, key):
    token = bound_token(client, issued, key)["access_token"]
    thief = DPoPKey()
    assert_dpop_challenge(
        events(client, token, proof=thief.proof("GET", EVENTS_URL, access_token=token)), "invalid_token"
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda key, token: key.proof("GET", EVENTS_URL),  # no ath
        lambda key, token: key.proof("GET", EVENTS_URL, access_token=token + "x"),  # wrong ath
        lambda key, token: key.proof("POST", EVENTS_URL, access_token=token),  # htm
        lambda key, token: key.proof("GET", "http://testserver/v1/Events/AE1", access_token=token),  # path
        lambda key, token: key.proof("GET", "https://testserver/v1/Events", access_token=token),  # scheme
        lambda key, token: key.proof("GET", "http://other.example/v1/Events", access_token=token),  # host
        lambda key, token: key.proof("GET", EVENTS_URL, access_token=token, iat=time.time() - 3600),  # iat
    ],
)
def test_a_proof_that_does_not_match_the_request_is_401(client, issued, key, make):
    token = bound_token(client, issued, key)["access_token"]
    assert_dpop_challenge(events(client, token, proof=make(key, token)), "invalid_dpop_proof")


def test_an_unbound_token_works_as_bearer_as_before(client, issued):
    token = post_token(client, credentials(issued)).json()["access_token"]
    assert events(client, token, scheme="Bearer").status_code == 200


def test_an_unbound_token_under_the_dpop_scheme_is_refused(client, issued, key):
    token = post_token(client, credentials(issued)).json()["access_token"]
    response = events(client, token, proof=key.proof("GET", EVENTS_URL, access_token=token))
    assert_dpop_challenge(response, "invalid_token")


def test_an_invalid_token_under_the_dpop_scheme_gets_a_dpop_challenge(client, issued, key):
    assert_dpop_challenge(
        events(client, "nope", proof=key.proof("GET", EVENTS_URL, access_token="nope")), "invalid_token"
    )


def test_the_iam_api_takes_dpop_too(client, issued, key):
    token = bound_token(client, issued, key)["access_token"]
    url = f"http://testserver/v1/Account/OAuthApps/{issued.app.client_id}"
    response = client.get(
        f"/v1/Account/OAuthApps/{issued.app.client_id}",
        HTTP_AUTHORIZATION=f"DPoP {token}",
        HTTP_DPOP=key.proof("GET", url, access_token=token),
    )
    assert response.status_code == 200, response.content
    assert response.json()["dpop_bound_access_tokens"] is False


# Introspection and metadata ------------------------------------------------------------


def test_introspection_returns_cnf_and_the_token_type(client, issued, key):
    token = bound_token(client, issued, key)["access_token"]
    body = client.post(
        "/v2/token/introspect",
        form(token=token),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic(issued.app.client_id, issued.secret),
    ).json()
    assert body["active"] is True and body["token_type"] == "DPoP"
    assert body["cnf"] == {"jkt": key.thumbprint}
    bearer = post_token(client, credentials(issued)).json()["access_token"]
    body = client.post(
        "/v2/token/introspect",
        form(token=bearer),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic(issued.app.client_id, issued.secret),
    ).json()
    assert body["token_type"] == "Bearer" and "cnf" not in body


def test_metadata_lists_the_proof_algorithms(client):
    body = client.get("/.well-known/oauth-authorization-server").json()
    assert {"ES256", "RS256"} <= set(body["dpop_signing_alg_values_supported"])
    assert "none" not in body["dpop_signing_alg_values_supported"]


# Gateway check ---------------------------------------------------------------------------


@pytest.fixture
def sender(account, member):
    from tests.factories import make_app

    return make_app(account, user=member.user, scopes=["/twilio/messaging/messages/create"])


def gateway(
    client, token, *, proof=None, scheme="DPoP", method="POST", uri=None, host="api.twilio.com", **extra
):
    headers = {
        "HTTP_X_ORIGINAL_METHOD": method,
        "HTTP_X_ORIGINAL_URI": uri,
        "HTTP_X_ORIGINAL_HOST": host,
        "HTTP_AUTHORIZATION": f"{scheme} {token}",
        **extra,
    }
    if proof is not None:
        headers["HTTP_DPOP"] = proof
    return client.get(CHECK_URL, **headers)


def test_the_gateway_passes_a_bound_token_with_a_proof_for_the_original_request(client, sender, key, account):
    token = bound_token(client, sender, key)["access_token"]
    path = ACCOUNT_PATH.format(sid=account.sid) + "/Messages.json"
    proof = key.proof("POST", f"https://api.twilio.com{path}", access_token=token)
    response = gateway(client, token, proof=proof, uri=path + "?x=1")
    assert response.status_code == 200, response.content
    assert response["X-OAuth-Client-Id"] == sender.app.client_id


def test_the_gateway_takes_the_scheme_from_x_forwarded_proto(client, sender, key, account):
    token = bound_token(client, sender, key)["access_token"]
    path = ACCOUNT_PATH.format(sid=account.sid) + "/Messages.json"
    https_proof = key.proof("POST", f"https://api.twilio.com{path}", access_token=token)
    refused = gateway(client, token, proof=https_proof, uri=path, HTTP_X_FORWARDED_PROTO="http")
    assert_dpop_challenge(refused, "invalid_dpop_proof")
    http_proof = key.proof("POST", f"http://api.twilio.com{path}", access_token=token)
    assert (
        gateway(client, token, proof=http_proof, uri=path, HTTP_X_FORWARDED_PROTO="http").status_code == 200
    )


@pytest.mark.parametrize(
    "htm, host, path_suffix",
    [
        ("GET", "api.twilio.com", "/Messages.json"),
        ("POST", "evil.example", "/Messages.json"),
        ("POST", "api.twilio.com", "/Calls.json"),
    ],
)
def test_the_gateway_refuses_a_proof_for_another_request(
    client, sender, key, account, htm, host, path_suffix
):
    token = bound_token(client, sender, key)["access_token"]
    path = ACCOUNT_PATH.format(sid=account.sid)
    proof = key.proof(htm, f"https://{host}{path}{path_suffix}", access_token=token)
    assert_dpop_challenge(
        gateway(client, token, proof=proof, uri=path + "/Messages.json"), "invalid_dpop_proof"
    )


def test_the_gateway_refuses_a_bound_token_as_bearer_and_a_replay(client, sender, key, account):
    token = bound_token(client, sender, key)["access_token"]
    path = ACCOUNT_PATH.format(sid=account.sid) + "/Messages.json"
    assert_dpop_challenge(gateway(client, token, scheme="Bearer", uri=path), "invalid_token")
    proof = key.proof("POST", f"https://api.twilio.com{path}", access_token=token)
    assert gateway(client, token, proof=proof, uri=path).status_code == 200
    assert_dpop_challenge(gateway(client, token, proof=proof, uri=path), "invalid_dpop_proof")
    assert_dpop_challenge(gateway(client, token, uri=path), "invalid_dpop_proof")


def test_the_gateway_still_passes_unbound_bearer_tokens(client, sender, account):
    token = post_token(client, credentials(sender)).json()["access_token"]
    path = ACCOUNT_PATH.format(sid=account.sid) + "/Messages.json"
    assert gateway(client, token, scheme="Bearer", uri=path).status_code == 200
