"""The IAM API's secretless fields: snake_case and camelCase on create, update and read."""

import pytest

from tests.issuer import SigningKey

pytestmark = pytest.mark.django_db

GITHUB = "https://token.actions.githubusercontent.com"
CREDENTIAL = {"issuer": GITHUB, "subject": "repo:acme/site:ref:refs/heads/main", "audiences": ["api://oauth"]}
POLICY = {"allow": ["/twilio/iam/account-oauth-apps/list"]}


def test_create_a_key_app_in_camel_case_returns_no_secret(api):
    key = SigningKey()
    response = api.post(
        "/v1/Account/OAuthApps",
        {
            "friendlyName": "Deployer",
            "policy": POLICY,
            "tokenEndpointAuthMethod": "private_key_jwt",
            "jwks": {"keys": [key.jwk]},
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert "secret" not in body
    assert body["token_endpoint_auth_method"] == "private_key_jwt"
    assert body["jwks"] == {"keys": [key.jwk]} and body["jwks_uri"] is None


def test_create_a_federated_app_and_read_it_back(api):
    created = api.post(
        "/v1/Account/OAuthApps",
        {
            "friendly_name": "CI",
            "policy": POLICY,
            "token_endpoint_auth_method": "private_key_jwt",
            "federated_credentials": [CREDENTIAL],
        },
    ).json()
    read = api.get(f"/v1/Account/OAuthApps/{created['sid']}").json()
    assert read["federated_credentials"] == [CREDENTIAL]
    assert read["token_endpoint_auth_method"] == "private_key_jwt"


def test_a_private_key_is_a_400_naming_it(api):
    response = api.post(
        "/v1/Account/OAuthApps",
        {
            "friendly_name": "x",
            "policy": POLICY,
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": {"keys": [{**SigningKey().jwk, "d": "AQAB"}]},
        },
    )
    assert response.status_code == 400
    assert "private key members (d)" in response.json()["message"]


def test_rotating_a_key_apps_secret_is_a_409(api):
    created = api.post(
        "/v1/Account/OAuthApps",
        {
            "friendly_name": "CI",
            "policy": POLICY,
            "tokenEndpointAuthMethod": "private_key_jwt",
            "federatedCredentials": [CREDENTIAL],
        },
    ).json()
    response = api.post(f"/v1/Account/OAuthApps/{created['sid']}/Secret")
    assert response.status_code == 409
    assert "no client secret" in response.json()["message"]


def test_update_switches_a_secret_app_to_a_jwks_uri(api, settings):
    settings.KEY_FETCH_ALLOW_LOOPBACK = False
    created = api.post("/v1/Account/OAuthApps", {"friendly_name": "Old", "policy": POLICY}).json()
    assert created["secret"] and created["token_endpoint_auth_method"] == "client_secret_basic"
    response = api.put(
        f"/v1/Account/OAuthApps/{created['sid']}",
        {"tokenEndpointAuthMethod": "private_key_jwt", "jwksUri": "https://keys.example.com/jwks.json"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["jwks_uri"] == "https://keys.example.com/jwks.json"


def test_metadata_lists_private_key_jwt_and_its_algorithms(client):
    metadata = client.get("/.well-known/oauth-authorization-server").json()
    assert "private_key_jwt" in metadata["token_endpoint_auth_methods_supported"]
    assert {"RS256", "PS256", "ES256"} <= set(metadata["token_endpoint_auth_signing_alg_values_supported"])
    assert not {"none", "HS256"} & set(metadata["token_endpoint_auth_signing_alg_values_supported"])
