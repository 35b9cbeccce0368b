"""RFC 9449 §8: with DPOP_NONCES the token endpoint requires a nonce it provided; off by default."""

import time

import pytest

from oauthapps.server.dpop_proofs import _nonce_of, _period, dpop_nonce, dpop_nonce_valid
from tests.dpop.proofs import DPoPKey
from tests.oauthapps.test_token_endpoint import credentials, post_token

pytestmark = pytest.mark.django_db

TOKEN_URL = "http://testserver/v2/token"


@pytest.fixture
def nonces(settings):
    settings.DPOP_NONCES = True
    return settings


def test_nonces_are_off_by_default(client, issued, settings):
    assert settings.DPOP_NONCES is False
    response = post_token(client, credentials(issued), HTTP_DPOP=DPoPKey().proof("POST", TOKEN_URL))
    assert response.status_code == 200 and "DPoP-Nonce" not in response


def test_a_proof_without_a_nonce_gets_use_dpop_nonce_and_one_to_use(client, issued, nonces):
    key = DPoPKey()
    refused = post_token(client, credentials(issued), HTTP_DPOP=key.proof("POST", TOKEN_URL))
    assert refused.status_code == 400
    assert refused.json()["error"] == "use_dpop_nonce"
    nonce = refused["DPoP-Nonce"]
    proof = key.proof("POST", TOKEN_URL, extra_claims={"nonce": nonce})
    issued_token = post_token(client, credentials(issued), HTTP_DPOP=proof)
    assert issued_token.status_code == 200, issued_token.content
    assert issued_token.json()["token_type"] == "DPoP"
    assert dpop_nonce_valid(issued_token["DPoP-Nonce"])


def test_a_forged_or_stale_nonce_is_refused(client, issued, nonces):
    key = DPoPKey()
    stale = _nonce_of(_period(time.time()) - 2)
    forged = dpop_nonce()[:-2] + "AA"
    for nonce in (stale, forged, "x", 5):
        proof = key.proof("POST", TOKEN_URL, extra_claims={"nonce": nonce})
        response = post_token(client, credentials(issued), HTTP_DPOP=proof)
        assert response.status_code == 400 and response.json()["error"] == "use_dpop_nonce", nonce


def test_the_previous_periods_nonce_still_passes(nonces):
    assert dpop_nonce_valid(_nonce_of(_period(time.time()) - 1))
    assert dpop_nonce_valid(dpop_nonce())
