"""RFC 9449 §4.3: each check of oauthapps/server/dpop.py, with proofs made by PyJWT and
cryptography as a client makes them (tests/dpop/proofs.py)."""

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from oauthapps.server.dpop import (
    PROOF_ALGORITHMS,
    InvalidBinding,
    InvalidProof,
    access_token_hash,
    dpop_challenge,
    jwk_thumbprint,
    normalized_uri,
    proof_remembered_until,
    proof_verify,
    token_binding_check,
)
from tests.dpop.proofs import DPoPKey, make_proof, public_jwk

URL = "https://api.example.com/v1/Events"
WINDOW = 60
LEEWAY = 10


def verify(proof, *, method="GET", uris=(URL,), access_token=None, now=None):
    return proof_verify(
        proof,
        method=method,
        uris=uris,
        max_age_seconds=WINDOW,
        leeway_seconds=LEEWAY,
        access_token=access_token,
        now=now,
    )


@pytest.fixture(scope="module")
def key():
    return DPoPKey("ES256")


@pytest.mark.parametrize("algorithm", ["ES256", "ES384", "RS256", "PS256", "EdDSA"])
def test_a_proof_of_each_accepted_algorithm_passes_and_names_its_key(algorithm):
    client = DPoPKey(algorithm)
    proof = verify(client.proof("GET", URL))
    assert proof.jkt == client.thumbprint


def test_the_accepted_algorithms_are_the_allow_list():
    assert set(PROOF_ALGORITHMS) == {"ES256", "ES384", "RS256", "PS256", "EdDSA"}


def test_thumbprint_matches_rfc_7638_example():
    # RFC 7638 §3.1, the RSA key of its example and its thumbprint.
    jwk = {
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP"
        "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQ"
        "MicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRw"
        "r3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_ath_is_base64url_sha256_of_the_token():
    assert access_token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU") == (
        "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"  # RFC 9449 §7.1's example
    )


def test_none_algorithm_is_refused(key):
    unsigned = jwt.encode(
        {"jti": "a", "htm": "GET", "htu": URL, "iat": int(time.time())},
        None,
        algorithm="none",
        headers={"typ": "dpop+jwt", "jwk": key.jwk},
    )
    with pytest.raises(InvalidProof, match="alg"):
        verify(unsigned)


def test_hmac_algorithm_is_refused(key):
    secret = b"k" * 32
    proof = jwt.encode(
        {"jti": "a", "htm": "GET", "htu": URL, "iat": int(time.time())},
        secret,
        algorithm="HS256",
        headers={"typ": "dpop+jwt", "jwk": {"kty": "oct", "k": base64.urlsafe_b64encode(secret).decode()}},
    )
    with pytest.raises(InvalidProof, match="alg"):
        verify(proof)


def test_es512_is_not_on_the_allow_list():
    private = ec.generate_private_key(ec.SECP521R1())
    proof = make_proof(private, htm="GET", htu=URL, algorithm="ES512")
    with pytest.raises(InvalidProof, match="alg"):
        verify(proof)


def test_wrong_typ_is_refused(key):
    with pytest.raises(InvalidProof, match="typ"):
        verify(key.proof("GET", URL, typ="JWT"))


def test_a_proof_signed_by_another_key_than_its_jwk_is_refused(key):
    other = DPoPKey("ES256")
    with pytest.raises(InvalidProof, match="signature"):
        verify(make_proof(other.private_key, htm="GET", htu=URL, jwk=key.jwk))


def test_a_jwk_with_private_members_is_refused(key):
    leaked = {**key.jwk, "d": "AAAA"}
    with pytest.raises(InvalidProof, match="public"):
        verify(key.proof("GET", URL, jwk=leaked))


def test_a_symmetric_jwk_is_refused(key):
    with pytest.raises(InvalidProof):
        verify(key.proof("GET", URL, jwk={"kty": "oct", "k": "c2VjcmV0"}))


def test_a_jwk_of_another_curve_than_the_algorithm_is_refused():
    p384 = DPoPKey("ES384")
    with pytest.raises(InvalidProof, match="not a key for ES256"):
        verify(_with_alg(p384, "ES256"))


def _with_alg(client, alg):
    # A header that claims another algorithm than the key signs with.
    header = {"typ": "dpop+jwt", "alg": alg, "jwk": client.jwk}
    good = client.proof("GET", URL)
    _, payload, signature = good.split(".")
    encoded = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    return f"{encoded}.{payload}.{signature}"


def test_a_missing_jwk_is_refused(key):
    proof = jwt.encode(
        {"jti": "a", "htm": "GET", "htu": URL, "iat": int(time.time())},
        key.private_key,
        algorithm="ES256",
        headers={"typ": "dpop+jwt"},
    )
    with pytest.raises(InvalidProof, match="jwk"):
        verify(proof)


@pytest.mark.parametrize("claim", ["jti", "htm", "htu", "iat"])
def test_each_required_claim_is_required(key, claim):
    with pytest.raises(InvalidProof, match=claim):
        verify(key.proof("GET", URL, drop=(claim,)))


def test_htm_must_match_the_method(key):
    with pytest.raises(InvalidProof, match="htm"):
        verify(key.proof("POST", URL))
    with pytest.raises(InvalidProof, match="htm"):
        verify(key.proof("get", URL))  # RFC 9110: methods are case-sensitive


def test_htu_must_match_the_url(key):
    with pytest.raises(InvalidProof, match="htu"):
        verify(key.proof("GET", "https://api.example.com/v1/Events/AE1"))
    with pytest.raises(InvalidProof, match="htu"):
        verify(key.proof("GET", "https://evil.example.com/v1/Events"))
    with pytest.raises(InvalidProof, match="htu"):
        verify(key.proof("GET", "http://api.example.com/v1/Events"))


def test_htu_is_compared_after_normalisation(key):
    for htu in (
        "HTTPS://API.Example.COM/v1/Events",
        "https://api.example.com:443/v1/Events",
        "https://api.example.com/v1/./Events",
        "https://api.example.com/v1/x/../Events",
        "https://api.example.com/v1/%45vents",
        "https://api.example.com/v1/Events?PageSize=5",
        "https://api.example.com/v1/Events#top",
    ):
        assert verify(key.proof("GET", htu)).jti


def test_normalisation_keeps_what_differs():
    assert normalized_uri("http://h:8000") == "http://h:8000/"
    assert normalized_uri("https://h:8443/a%2fb") == "https://h:8443/a%2Fb"
    assert normalized_uri("https://h/A") != normalized_uri("https://h/a")
    with pytest.raises(InvalidProof):
        normalized_uri("ftp://h/")
    with pytest.raises(InvalidProof):
        normalized_uri("https://user:pw@h/")


def test_iat_older_than_the_window_and_leeway_is_refused(key):
    now = time.time()
    assert verify(key.proof("GET", URL, iat=now - WINDOW - LEEWAY + 1), now=now)
    with pytest.raises(InvalidProof, match="iat"):
        verify(key.proof("GET", URL, iat=now - WINDOW - LEEWAY - 2), now=now)


def test_iat_in_the_future_beyond_the_leeway_is_refused(key):
    now = time.time()
    assert verify(key.proof("GET", URL, iat=now + LEEWAY - 1), now=now)
    with pytest.raises(InvalidProof, match="iat"):
        verify(key.proof("GET", URL, iat=now + LEEWAY + 2), now=now)


def test_iat_must_be_a_number(key):
    with pytest.raises(InvalidProof, match="iat"):
        verify(key.proof("GET", URL, extra_claims={"iat": "now"}))


def test_ath_is_required_at_a_resource(key):
    with pytest.raises(InvalidProof, match="ath"):
        verify(key.proof("GET", URL), access_token="tok")
    with pytest.raises(InvalidProof, match="ath"):
        verify(key.proof("GET", URL, access_token="other"), access_token="tok")
    assert verify(key.proof("GET", URL, access_token="tok"), access_token="tok")


def test_two_proofs_in_one_header_are_refused(key):
    with pytest.raises(InvalidProof, match="one"):
        verify(key.proof("GET", URL) + ", " + key.proof("GET", URL))


def test_garbage_is_refused():
    for junk in ("", None, "a.b.c", "not a jwt", "x" * 10000):
        with pytest.raises(InvalidProof):
            verify(junk)


def test_remembered_until_covers_the_whole_window(key):
    now = time.time()
    proof = verify(key.proof("GET", URL, iat=now), now=now)
    assert (
        proof_remembered_until(proof, max_age_seconds=WINDOW, leeway_seconds=LEEWAY) > now + WINDOW + LEEWAY
    )


def test_binding_rules(key):
    proof = verify(key.proof("GET", URL))
    bound = {"cnf": {"jkt": key.thumbprint}}
    token_binding_check(bound, proof)
    token_binding_check({}, None)
    with pytest.raises(InvalidBinding):
        token_binding_check(bound, None)  # a bound token as Bearer
    with pytest.raises(InvalidBinding):
        token_binding_check({}, proof)  # an unbound token with the DPoP scheme
    with pytest.raises(InvalidBinding):
        token_binding_check({"cnf": {"jkt": DPoPKey().thumbprint}}, proof)


def test_challenge_names_the_error_and_the_algorithms():
    assert dpop_challenge(error="invalid_dpop_proof", error_description='bad "x"') == (
        'DPoP error="invalid_dpop_proof", error_description="bad \\"x\\"", '
        'algs="ES256 ES384 RS256 PS256 EdDSA"'
    )


def test_small_rsa_keys_are_refused():
    from cryptography.hazmat.primitives.asymmetric import rsa

    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    proof = jwt.encode(
        {"jti": "a", "htm": "GET", "htu": URL, "iat": int(time.time())},
        small,
        algorithm="RS256",
        headers={"typ": "dpop+jwt", "jwk": public_jwk(small)},
    )
    with pytest.raises(InvalidProof, match="2048"):
        verify(proof)
