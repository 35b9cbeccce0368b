"""The resource-server helper's DRF authentication verifies DPoP (RFC 9449 §7) as our own
APIs do: a bound token needs ``Authorization: DPoP`` and a fresh proof by its key."""

import time

import pytest

from tests.dpop.proofs import DPoPKey
from tests.factories import make_app
from tests.resource_server.test_helper import LIST_EVENTS, EventsView, call, signed

pytestmark = pytest.mark.django_db(transaction=True)

URL = "http://testserver/v1/Events"


@pytest.fixture
def service_settings(settings, live_server):
    """The settings a separate service would set to accept our tokens."""
    settings.OAUTH_APPS_JWKS_URL = live_server.url + "/.well-known/jwks.json"
    settings.OAUTH_APPS_ISSUER = settings.OAUTH_ISSUER
    return settings


@pytest.fixture
def key():
    return DPoPKey()


@pytest.fixture
def app(account, member):
    return make_app(account, user=member.user, scopes=[LIST_EVENTS]).app


def dpop_call(token, proof=None, *, scheme="DPoP"):
    extra = {"HTTP_AUTHORIZATION": f"{scheme} {token}"}
    if proof is not None:
        extra["HTTP_DPOP"] = proof
    return call(EventsView, **extra)


def test_a_bound_token_with_its_proof_passes_once(service_settings, app, key):
    token = signed(app, cnf={"jkt": key.thumbprint})
    proof = key.proof("GET", URL, access_token=token)
    assert dpop_call(token, proof).status_code == 200
    replay = dpop_call(token, proof)
    assert replay.status_code == 401
    assert replay["WWW-Authenticate"].startswith('DPoP error="invalid_dpop_proof"')


def test_a_bound_token_as_bearer_is_refused_with_a_dpop_challenge(service_settings, app, key):
    token = signed(app, cnf={"jkt": key.thumbprint})
    response = dpop_call(token, scheme="Bearer")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('DPoP error="invalid_token"')
    assert 'algs="ES256' in response["WWW-Authenticate"]


@pytest.mark.parametrize(
    "make",
    [
        lambda key, token: None,
        lambda key, token: key.proof("GET", URL),  # no ath
        lambda key, token: key.proof("POST", URL, access_token=token),
        lambda key, token: key.proof("GET", "http://testserver/v1/Other", access_token=token),
        lambda key, token: key.proof("GET", URL, access_token=token, iat=time.time() - 600),
        lambda key, token: DPoPKey().proof("GET", URL, access_token=token),  # another key
    ],
)
def test_a_bad_or_missing_proof_is_refused(service_settings, app, key, make):
    token = signed(app, cnf={"jkt": key.thumbprint})
    response = dpop_call(token, make(key, token))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("DPoP error=")


def test_unbound_bearer_tokens_work_as_before(service_settings, app):
    assert dpop_call(signed(app), scheme="Bearer").status_code == 200


def test_the_proof_window_is_a_setting(service_settings, app, key):
    service_settings.OAUTH_APPS_DPOP_MAX_AGE_SECONDS = 5
    token = signed(app, cnf={"jkt": key.thumbprint})
    old = key.proof("GET", URL, access_token=token, iat=time.time() - 30)
    assert dpop_call(token, old).status_code == 401
