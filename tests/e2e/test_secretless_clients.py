"""Secretless apps driven from outside: authlib's PrivateKeyJWT with its defaults, and a
federated workload with a local OIDC issuer, against a live server."""

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from cryptography.hazmat.primitives import serialization

from oauthapps.server.assertions import CLIENT_ASSERTION_TYPE
from oauthapps.server.key_fetch import documents
from tests.factories import make_app
from tests.issuer import LocalIssuer, SigningKey

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _live_issuer(settings, live_server, monkeypatch):
    # The assertion's aud is the URL authlib posts to: this live server's token endpoint.
    settings.OAUTH_ISSUER = live_server.url
    settings.KEY_FETCH_ALLOW_LOOPBACK = True  # the local issuer, as under make run
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    documents.clear()
    yield
    documents.clear()


def pem(key: SigningKey) -> bytes:
    return key.private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def test_authlib_private_key_jwt_defaults_work_unchanged(account, member, live_server):
    key = SigningKey()  # RSA: authlib signs RS256 by default, without kid
    app = make_app(
        account, user=member.user, token_endpoint_auth_method="private_key_jwt", jwks={"keys": [key.jwk]}
    ).app
    token_url = live_server.url + "/v2/token"
    session = OAuth2Session(app.client_id, pem(key), token_endpoint_auth_method=PrivateKeyJWT(token_url))
    first = session.fetch_token(token_url, grant_type="client_credentials")
    second = session.fetch_token(token_url, grant_type="client_credentials")  # a new jti each time
    assert first["token_type"] == "Bearer" and first["expires_in"] == 3600
    assert first["access_token"] != second["access_token"]


def test_authlib_with_keys_at_a_jwks_uri_that_rotates(account, member, live_server):
    with LocalIssuer() as keys:
        app = make_app(
            account,
            user=member.user,
            token_endpoint_auth_method="private_key_jwt",
            jwks_uri=keys.url + "/jwks",
        ).app
        token_url = live_server.url + "/v2/token"
        session = OAuth2Session(
            app.client_id, pem(keys.keys[0]), token_endpoint_auth_method=PrivateKeyJWT(token_url)
        )
        assert session.fetch_token(token_url, grant_type="client_credentials")["access_token"]


def test_a_github_actions_like_workload_trades_its_token(account, member, live_server):
    with LocalIssuer() as platform:
        subject = "repo:acme/website:ref:refs/heads/main"
        app = make_app(
            account,
            user=member.user,
            token_endpoint_auth_method="private_key_jwt",
            federated_credentials=[
                {
                    "issuer": platform.url,
                    "subject": subject,
                    "audiences": [live_server.url],
                    "claims": {"repository_owner_id": "42"},
                }
            ],
        ).app
        platform_token = platform.token(subject=subject, audience=live_server.url, repository_owner_id="42")
        form = {
            "grant_type": "client_credentials",
            "client_id": app.client_id,
            "client_assertion_type": CLIENT_ASSERTION_TYPE,
            "client_assertion": platform_token,
        }
        answer = requests.post(live_server.url + "/v2/token", data=form, timeout=10)
        assert answer.status_code == 200, answer.text
        look_alike = {
            **form,
            "client_assertion": platform.token(
                subject=subject, audience=live_server.url, repository_owner_id="43"
            ),
        }
        assert requests.post(live_server.url + "/v2/token", data=look_alike, timeout=10).status_code == 401
