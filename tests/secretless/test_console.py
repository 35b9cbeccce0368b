"""The console's three ways in: Client secret, Private key, Federated identity."""

import json
from html import unescape

import pytest
from django.urls import reverse

from oauthapps.models import ClientSecret, OAuthApp
from oauthapps.server.jwks import jwk_thumbprint
from tests.issuer import SigningKey

pytestmark = pytest.mark.django_db

SCOPES = ["/twilio/monitor/events/list"]
GITHUB = "https://token.actions.githubusercontent.com"


def create_form(**overrides):
    data = {
        "name": "Deployer",
        "description": "",
        "scopes": SCOPES,
        "form_token": "t-1",
        "auth_way": "secret",
    }
    data.update(overrides)
    return data


def url(name, app=None):
    return reverse(f"oauthapps:{name}", kwargs={"sid": app.client_id} if app else {})


def test_the_create_page_offers_three_ways_in_plain_words_with_presets(member_client):
    body = member_client.get(url("create")).content.decode()
    for words in (
        "Client secret",
        "Private key",
        "Federated identity",
        "GitHub Actions",
        "Kubernetes service account",
    ):
        assert words in body
    assert GITHUB in body and "repo:OWNER/REPO:ref:refs/heads/BRANCH" in body
    assert "system:serviceaccount:NAMESPACE:NAME" in body


def test_creating_a_private_key_app_shows_no_secret_but_the_client_id_and_a_request(member_client):
    key = SigningKey()
    response = member_client.post(
        url("create"), create_form(auth_way="key", jwks=json.dumps({"keys": [key.jwk]}))
    )
    app = OAuthApp.objects.get(name="Deployer")
    assert response["Location"] == url("credentials", app)
    assert (
        app.token_endpoint_auth_method == "private_key_jwt"
        and not ClientSecret.objects.filter(app=app).exists()
    )
    body = unescape(member_client.get(response["Location"]).content.decode())
    assert "This app has no Client Secret" in body and app.client_id in body
    assert "client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer" in body
    assert jwk_thumbprint(key.jwk) in body and key.jwk["n"] not in body


def test_creating_a_federated_app_from_the_github_preset(member_client):
    form = create_form(
        auth_way="federated",
        federated_issuer=GITHUB,
        federated_subject="repo:acme/site:ref:refs/heads/main",
        federated_audience="https://auth.example.com",
    )
    member_client.post(url("create"), form)
    app = OAuthApp.objects.get(name="Deployer")
    assert app.federated_credentials == [
        {
            "issuer": GITHUB,
            "subject": "repo:acme/site:ref:refs/heads/main",
            "audiences": ["https://auth.example.com"],
        }
    ]
    secrets_page = member_client.get(url("secrets", app)).content.decode()
    assert "Rotate secret" not in secrets_page and "repo:acme/site:ref:refs/heads/main" in secrets_page


def test_a_private_key_pasted_by_mistake_is_refused_on_the_field(member_client):
    private = {**SigningKey().jwk, "d": "AQAB"}
    response = member_client.post(
        url("create"), create_form(auth_way="key", jwks=json.dumps({"keys": [private]}))
    )
    assert response.status_code == 200
    assert "private key members (d)" in unescape(response.content.decode())
    assert not OAuthApp.objects.exists()


def test_rotating_a_key_apps_secret_is_refused(member_client):
    member_client.post(
        url("create"), create_form(auth_way="key", jwks=json.dumps({"keys": [SigningKey().jwk]}))
    )
    app = OAuthApp.objects.get(name="Deployer")
    response = member_client.post(url("rotate", app), {})
    assert response.status_code == 302 and not ClientSecret.objects.filter(app=app).exists()


def test_editing_switches_a_secret_app_to_federated_identity(member_client):
    member_client.post(url("create"), create_form())
    app = OAuthApp.objects.get(name="Deployer")
    form = {
        "name": "Deployer",
        "description": "",
        "scopes": SCOPES,
        "version": app.version,
        "auth_way": "federated",
        "federated_issuer": GITHUB,
        "federated_subject": "repo:acme/site:environment:production",
        "federated_audience": "https://auth.example.com",
    }
    assert member_client.post(url("detail", app), form).status_code == 302
    app.refresh_from_db()
    assert (
        not app.uses_secret
        and app.federated_credentials[0]["subject"] == "repo:acme/site:environment:production"
    )
    assert not ClientSecret.objects.filter(app=app, revoked_at__isnull=True).exists()
    edit_page = member_client.get(url("detail", app)).content.decode()
    assert "repo:acme/site:environment:production" in edit_page
