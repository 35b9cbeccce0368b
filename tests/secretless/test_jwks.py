"""Which public keys an app may register (oauthapps/server/jwks.py)."""

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from jwt.algorithms import ECAlgorithm, OKPAlgorithm

from oauthapps.server.jwks import InvalidJwk, jwk_set_validate, jwk_thumbprint
from tests.issuer import SigningKey


def test_rsa_2048_and_ec_p256_are_accepted():
    keys = [SigningKey("RSA").jwk, SigningKey("EC").jwk]
    assert jwk_set_validate({"keys": keys}) == {"keys": keys}


def test_ec_p384_and_ed25519_are_accepted():
    p384 = json.loads(ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP384R1()).public_key()))
    ed = json.loads(OKPAlgorithm.to_jwk(ed25519.Ed25519PrivateKey.generate().public_key()))
    jwk_set_validate({"keys": [p384, ed]})


def test_a_short_rsa_key_is_refused():
    with pytest.raises(InvalidJwk, match="shorter than 2048"):
        jwk_set_validate({"keys": [SigningKey("RSA", size=1024).jwk]})


def test_a_p521_key_is_refused():
    p521 = json.loads(ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP521R1()).public_key()))
    with pytest.raises(InvalidJwk, match="P-521"):
        jwk_set_validate({"keys": [p521]})


@pytest.mark.parametrize("member", ["d", "p", "q", "dp", "dq", "qi"])
def test_a_private_member_is_refused_by_name(member):
    jwk = {**SigningKey("RSA").jwk, member: "AQAB"}
    with pytest.raises(InvalidJwk, match=f"private key members \\({member}\\)"):
        jwk_set_validate({"keys": [jwk]})


def test_a_private_ec_key_is_refused():
    private = json.loads(ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1())))
    with pytest.raises(InvalidJwk, match=r"\(d\)"):
        jwk_set_validate({"keys": [private]})


def test_a_symmetric_key_is_refused_by_name():
    with pytest.raises(InvalidJwk, match="kty 'oct'"):
        jwk_set_validate({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]})


@pytest.mark.parametrize("alg", ["HS256", "none", "RS1"])
def test_an_alg_outside_the_allow_list_is_refused(alg):
    with pytest.raises(InvalidJwk, match="alg"):
        jwk_set_validate({"keys": [{**SigningKey("RSA").jwk, "alg": alg}]})


def test_an_encryption_key_is_refused():
    with pytest.raises(InvalidJwk, match="use 'enc'"):
        jwk_set_validate({"keys": [{**SigningKey("RSA").jwk, "use": "enc"}]})


@pytest.mark.parametrize("value", [[], {"keys": []}, {"keys": "x"}, {"keys": [{}] * 11}])
def test_not_a_jwk_set_is_refused(value):
    with pytest.raises(InvalidJwk):
        jwk_set_validate(value)


def test_two_keys_with_one_kid_are_refused():
    with pytest.raises(InvalidJwk, match="same kid"):
        jwk_set_validate({"keys": [SigningKey("RSA", kid="a").jwk, SigningKey("EC", kid="a").jwk]})


def test_an_ec_point_off_the_curve_is_refused():
    jwk = SigningKey("EC").jwk
    jwk["y"] = jwk["x"]
    with pytest.raises(InvalidJwk, match="not a valid EC public key"):
        jwk_set_validate({"keys": [jwk]})


def test_thumbprint_is_rfc_7638s_example():
    # RFC 7638 §3.1
    jwk = {
        "kty": "RSA",
        "n": (
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJE"
            "CPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Q"
            "vzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6"
            "WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
        ),
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
