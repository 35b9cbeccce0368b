"""Real OAuth clients against a live server: authlib, requests-oauthlib and twilio's token manager."""

import jwt
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession
from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session
from twilio.credential.client_credential_provider import ClientCredentialProvider

from oauthapps.metrics import TOKENS_ISSUED
from tests.factories import make_app

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _loopback_http_is_fine(monkeypatch):
    # The live server speaks plain HTTP on loopback; oauthlib refuses that unless told.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture
def token_url(live_server):
    return live_server.url + "/v2/token"


@pytest.fixture
def jwks(live_server):
    return requests.get(live_server.url + "/.well-known/jwks.json", timeout=10).json()


def verify(token, jwks):
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == kid)).key
    return jwt.decode(token, key, algorithms=["RS256", "ES256"], options={"verify_aud": False})


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_authlib_fetches_a_token(issued, token_url, jwks, auth_method):
    session = AuthlibSession(issued.app.client_id, issued.secret, token_endpoint_auth_method=auth_method)
    token = session.fetch_token(token_url, grant_type="client_credentials")
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
    assert verify(token["access_token"], jwks)["client_id"] == issued.app.client_id


def test_authlib_narrows_scope(issued, token_url, jwks):
    session = AuthlibSession(issued.app.client_id, issued.secret, scope=issued.app.scopes[0])
    token = session.fetch_token(token_url, grant_type="client_credentials")
    assert verify(token["access_token"], jwks)["scope"] == issued.app.scopes[0]


def test_requests_oauthlib_backend_application_client(issued, token_url, jwks):
    session = OAuth2Session(client=BackendApplicationClient(client_id=issued.app.client_id))
    token = session.fetch_token(
        token_url=token_url, client_id=issued.app.client_id, client_secret=issued.secret
    )
    assert verify(token["access_token"], jwks)["sub"] == issued.app.client_id


def test_requests_oauthlib_gets_invalid_client_for_wrong_secret(issued, token_url):
    from oauthlib.oauth2.rfc6749.errors import InvalidClientError

    session = OAuth2Session(client=BackendApplicationClient(client_id=issued.app.client_id))
    with pytest.raises(InvalidClientError):
        session.fetch_token(token_url=token_url, client_id=issued.app.client_id, client_secret="wrong")


def test_twilio_token_manager_fetches_once_and_reuses_the_token(issued, live_server, jwks, monkeypatch):
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET"):
        monkeypatch.delenv(name, raising=False)
    provider = ClientCredentialProvider(issued.app.client_id, issued.secret)
    strategy = provider.to_auth_strategy()
    provider.token_manager.client.oauth.base_url = live_server.url
    issued_before = TOKENS_ISSUED._value.get()  # the live server runs in this process
    first = strategy.get_auth_string()
    second = strategy.get_auth_string()
    assert first == second and first.startswith("Bearer ")
    assert verify(first.removeprefix("Bearer "), jwks)["account_sid"] == issued.app.account.sid
    assert TOKENS_ISSUED._value.get() - issued_before == 1


def test_twilio_token_manager_with_stray_account_credentials(issued, live_server, monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "not-our-business")
    provider = ClientCredentialProvider(issued.app.client_id, issued.secret)
    strategy = provider.to_auth_strategy()
    provider.token_manager.client.oauth.base_url = live_server.url
    assert strategy.get_auth_string().startswith("Bearer ey")


def test_twilio_token_manager_refuses_wrong_secret(issued, live_server, monkeypatch):
    from twilio.base.exceptions import TwilioRestException

    provider = ClientCredentialProvider(issued.app.client_id, "wrong-secret")
    strategy = provider.to_auth_strategy()
    provider.token_manager.client.oauth.base_url = live_server.url
    with pytest.raises(TwilioRestException) as exc:
        strategy.get_auth_string()
    assert exc.value.status == 401


def test_another_app_token_is_distinct(account, member, token_url):
    first = make_app(account, user=member.user, name="First")
    second = make_app(account, user=member.user, name="Second")
    tokens = {
        AuthlibSession(a.app.client_id, a.secret).fetch_token(token_url, grant_type="client_credentials")[
            "access_token"
        ]
        for a in (first, second)
    }
    assert len(tokens) == 2


def test_twilio_region_in_the_environment_sends_the_readme_recipe_elsewhere(issued, monkeypatch):
    """The README warns about TWILIO_REGION/TWILIO_EDGE: the library rewrites our host with them."""
    monkeypatch.setenv("TWILIO_REGION", "ie1")
    provider = ClientCredentialProvider(issued.app.client_id, issued.secret)
    provider.to_auth_strategy()
    provider.token_manager.client.oauth.base_url = "http://127.0.0.1:8000"
    assert provider.token_manager.client.get_hostname("http://127.0.0.1:8000/v2/token").startswith(
        "http://127.ie1.0.1"
    )


def test_the_readme_recipe_works_with_twilio_region_and_edge_set_empty(issued, live_server, monkeypatch):
    monkeypatch.setenv("TWILIO_REGION", "")
    monkeypatch.setenv("TWILIO_EDGE", "")
    provider = ClientCredentialProvider(issued.app.client_id, issued.secret)
    strategy = provider.to_auth_strategy()
    provider.token_manager.client.oauth.base_url = live_server.url
    assert strategy.get_auth_string().startswith("Bearer ey")
