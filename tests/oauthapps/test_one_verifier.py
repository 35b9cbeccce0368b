"""The server and the resource-server helper refuse the same tokens, for the same reasons.

Each malformed token below is signed with the server's own key (or forged with its kid) and
recorded as the token endpoint records tokens, so that only the verification rules can
refuse it: not a missing row.
"""

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.utils import timezone

from oauthapps.resource_server import JwksKeys, TokenVerifier
from oauthapps.server.jwt_rules import InvalidToken, TokenPrincipal, bearer_token
from oauthapps.server.signing_keys import signing_key_active
from oauthapps.server.token_checks import token_check
from oauthapps.server.tokens import InvalidAccessToken, access_token_claims
from scopes.permissions import InsufficientScope, declared_permission

pytestmark = pytest.mark.django_db(transaction=True)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signed(claims: dict, **header) -> str:
    key = signing_key_active()
    headers = {"kid": key.kid, "typ": "at+jwt", **header}
    return jwt.encode(claims, key.private_key, algorithm=key.algorithm, headers=headers)


def _unsigned(claims: dict) -> str:
    header = {"alg": "none", "typ": "at+jwt", "kid": signing_key_active().kid}
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}."


def _hs256_with_public_key(claims: dict) -> str:
    """The algorithm-confusion attack: the published public key used as an HMAC secret."""
    key = signing_key_active()
    secret = key.public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    header = {"alg": "HS256", "typ": "at+jwt", "kid": key.kid}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _without(claims: dict, name: str) -> dict:
    return {key: value for key, value in claims.items() if key != name}


MALFORMED = {
    "typ JWT (not an access token)": lambda c: _signed(c, typ="JWT"),
    "no typ": lambda c: jwt.encode(
        c,
        signing_key_active().private_key,
        algorithm=signing_key_active().algorithm,
        headers={"kid": signing_key_active().kid, "typ": None},
    ),
    "alg none": _unsigned,
    "alg HS256 keyed with the public key": _hs256_with_public_key,
    "wrong iss": lambda c: _signed({**c, "iss": "https://evil.example.test"}),
    "wrong aud": lambda c: _signed({**c, "aud": "https://other.example.test"}),
    "expired": lambda c: _signed(
        {**c, "exp": c["iat"] - 3600, "iat": c["iat"] - 7200, "nbf": c["iat"] - 7200}
    ),
    "not yet valid": lambda c: _signed({**c, "nbf": c["iat"] + 3600}),
    "no client_id": lambda c: _signed(_without(c, "client_id")),
    "no kid": lambda c: jwt.encode(
        c,
        signing_key_active().private_key,
        algorithm=signing_key_active().algorithm,
        headers={"typ": "at+jwt"},
    ),
}


def _server(token: str) -> None:
    token_check(token, audiences=[settings.TOKEN_AUDIENCES[0]])


@pytest.fixture
def helper(live_server):
    verifier = TokenVerifier(
        keys=JwksKeys(live_server.url + "/.well-known/jwks.json"),
        issuer=settings.OAUTH_ISSUER,
        audience=settings.TOKEN_AUDIENCES[0],
        leeway_seconds=settings.TOKEN_CLOCK_LEEWAY_SECONDS,
    )
    return verifier.verify


@pytest.fixture(params=["server", "resource_server"])
def verify(request):
    return _server if request.param == "server" else request.getfixturevalue("helper")


@pytest.fixture
def claims(app):
    return access_token_claims(
        app=app,
        secret_tag=app.secrets.latest("pk").token_tag,
        scopes=app.scopes,
        audience=None,
        issued_at=timezone.now() - timedelta(seconds=1),
    )


def test_both_accept_a_well_formed_token(verify, app, claims):
    verify(_signed(claims))


@pytest.mark.parametrize("case", MALFORMED)
def test_both_refuse_the_same_malformed_tokens(verify, app, claims, case):
    token = MALFORMED[case](claims)
    with pytest.raises(InvalidToken):
        verify(token)


def test_the_server_and_the_helper_raise_one_exception_type():
    assert InvalidAccessToken is InvalidToken


@pytest.mark.parametrize(
    ("header", "expected"),
    [(b"", None), (b"Basic abc", None), (b"Bearer abc", "abc"), (b"bearer  abc ", "abc")],
)
def test_one_bearer_parser_reads_the_header(header, expected):
    assert bearer_token(header) == expected


@pytest.mark.parametrize("header", [b"Bearer", b"Bearer a b", "Bearer é".encode()])
def test_one_bearer_parser_refuses_what_is_not_one_ascii_token(header):
    with pytest.raises(InvalidToken):
        bearer_token(header)


def test_head_falls_back_to_get_unless_declared():
    assert declared_permission({"GET": "/read"}, "HEAD") == "/read"
    assert declared_permission({"GET": "/read", "HEAD": "/head"}, "head") == "/head"
    assert declared_permission({"GET": "/read"}, "POST") is None


def test_the_helper_reuses_the_servers_policy_classes():
    from oauthapps.resource_server import drf

    assert drf.InsufficientScope is InsufficientScope
    assert drf.TokenPrincipal is TokenPrincipal
