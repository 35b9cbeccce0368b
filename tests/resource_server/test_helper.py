"""The resource-server helper against a live server's JWKS: verification, caching, rotation, DRF policies."""

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.utils import timezone
from jwt.exceptions import PyJWKClientConnectionError
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView, exception_handler

from oauthapps.resource_server import InvalidToken, JwksKeys, JwksUnavailable, TokenVerifier
from oauthapps.resource_server.drf import HasPermission, HasRequestPermission, JWTAuthentication
from oauthapps.server.signing_keys import signing_key_active, signing_key_create
from oauthapps.server.tokens import access_token_claims, access_token_sign
from tests.factories import make_app
from tests.oauthapps.test_token_endpoint import credentials, post_token

pytestmark = pytest.mark.django_db(transaction=True)

READ_EVENTS = "/twilio/monitor/events/read"
LIST_EVENTS = "/twilio/monitor/events/list"
ACCOUNT_PATH = "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def jwks_url(live_server):
    return live_server.url + "/.well-known/jwks.json"


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def keys(jwks_url, clock):
    return JwksKeys(jwks_url, lifespan=300, refresh_interval=30, clock=clock)


@pytest.fixture
def verifier(keys, settings):
    return TokenVerifier(keys=keys, issuer=settings.OAUTH_ISSUER, audience=settings.TOKEN_AUDIENCES[0])


@pytest.fixture
def service_settings(settings, jwks_url):
    """The settings a separate service would set to accept our tokens."""
    settings.OAUTH_APPS_JWKS_URL = jwks_url
    settings.OAUTH_APPS_ISSUER = settings.OAUTH_ISSUER
    return settings


def issue(client, issued) -> str:
    response = post_token(client, credentials(issued))
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def signed(app, **changes) -> str:
    """A token signed by the server's active key, with claims changed as given."""
    claims = access_token_claims(
        app=app, secret_tag="tag", scopes=app.scopes, audience=None, issued_at=timezone.now()
    )
    return access_token_sign({**claims, **changes})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged(header: dict, claims: dict, signature: bytes = b"") -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}.{_b64(signature)}"


# --- verification ------------------------------------------------------------------------------


def test_verifies_a_token_issued_by_the_server(client, issued, verifier):
    token = verifier.verify(issue(client, issued))
    assert token.client_id == issued.app.client_id
    assert token.account_sid == issued.app.account.sid
    assert token.scopes == frozenset(issued.app.scopes)


def test_jwks_is_fetched_once_and_reused_until_it_expires(client, issued, verifier, keys, clock):
    for _ in range(5):
        verifier.verify(issue(client, issued))
    assert keys.fetch_count == 1
    clock.now += 301
    verifier.verify(issue(client, issued))
    assert keys.fetch_count == 2


def test_a_rotated_in_key_is_fetched_on_first_sight(client, issued, verifier, keys):
    verifier.verify(issue(client, issued))
    old_kid = signing_key_active().kid
    signing_key_create()
    token = issue(client, issued)
    assert jwt.get_unverified_header(token)["kid"] != old_kid
    assert verifier.verify(token).client_id == issued.app.client_id
    assert keys.fetch_count == 2


def test_unknown_kids_refetch_at_most_once_per_interval(client, issued, verifier, keys, clock):
    verifier.verify(issue(client, issued))
    claims = access_token_claims(
        secret_tag="tag", app=issued.app, scopes=issued.app.scopes, audience=None, issued_at=timezone.now()
    )
    made_up = forged({"alg": "RS256", "typ": "at+jwt", "kid": "made-up"}, claims, b"x" * 256)
    for _ in range(3):
        with pytest.raises(InvalidToken, match="made-up"):
            verifier.verify(made_up)
    assert keys.fetch_count == 2
    clock.now += 30
    with pytest.raises(InvalidToken):
        verifier.verify(made_up)
    assert keys.fetch_count == 3


def test_previous_keys_stay_in_use_when_a_refetch_fails(client, issued, verifier, keys, clock, monkeypatch):
    token = issue(client, issued)
    verifier.verify(token)

    def unreachable(refresh=False):
        raise PyJWKClientConnectionError("connection refused")

    monkeypatch.setattr(keys._client, "get_signing_keys", unreachable)
    clock.now += 301
    assert verifier.verify(token).client_id == issued.app.client_id
    verifier.verify(token)
    assert keys.fetch_count == 2  # retried after refresh_interval, not on every request
    clock.now += 30
    verifier.verify(token)
    assert keys.fetch_count == 3


def test_unreachable_jwks_without_earlier_keys_is_unavailable(client, issued, settings):
    keys = JwksKeys("http://127.0.0.1:9/.well-known/jwks.json", timeout=1)
    verifier = TokenVerifier(keys=keys, issuer=settings.OAUTH_ISSUER, audience=settings.OAUTH_ISSUER)
    with pytest.raises(JwksUnavailable):
        verifier.verify(issue(client, issued))


def test_expired_token_is_refused(issued, verifier):
    claims = access_token_claims(
        secret_tag="tag",
        app=issued.app,
        scopes=issued.app.scopes,
        audience=None,
        issued_at=timezone.now() - timedelta(hours=2),
    )
    with pytest.raises(InvalidToken, match="expired"):
        verifier.verify(access_token_sign(claims))


def test_token_of_another_issuer_is_refused(issued, verifier):
    with pytest.raises(InvalidToken, match="issuer"):
        verifier.verify(signed(issued.app, iss="https://elsewhere.example.test"))


def test_token_for_another_audience_is_refused(client, issued, keys, settings):
    verifier = TokenVerifier(keys=keys, issuer=settings.OAUTH_ISSUER, audience="https://billing.example.test")
    with pytest.raises(InvalidToken, match="[Aa]udience"):
        verifier.verify(issue(client, issued))


def test_token_without_a_required_claim_is_refused(issued, verifier):
    claims = access_token_claims(
        secret_tag="tag", app=issued.app, scopes=issued.app.scopes, audience=None, issued_at=timezone.now()
    )
    del claims["client_id"]
    with pytest.raises(InvalidToken, match="client_id"):
        verifier.verify(access_token_sign(claims))


def test_alg_none_is_refused(issued, verifier):
    claims = access_token_claims(
        secret_tag="tag", app=issued.app, scopes=issued.app.scopes, audience=None, issued_at=timezone.now()
    )
    token = forged({"alg": "none", "typ": "at+jwt", "kid": signing_key_active().kid}, claims)
    with pytest.raises(InvalidToken, match="none"):
        verifier.verify(token)


def test_hs256_signed_with_the_public_key_is_refused(client, issued, verifier):
    # The classic confusion attack: the public key, which anyone can fetch, used as an HMAC secret.
    verifier.verify(issue(client, issued))
    key = signing_key_active()
    public_pem = key.public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    claims = access_token_claims(
        secret_tag="tag",
        app=issued.app,
        scopes=["/twilio/voice/calls/*"],
        audience=None,
        issued_at=timezone.now(),
    )
    header = {"alg": "HS256", "typ": "at+jwt", "kid": key.kid}
    unsigned = forged(header, claims).rsplit(".", 1)[0]
    signature = hmac.new(public_pem, unsigned.encode(), hashlib.sha256).digest()
    with pytest.raises(InvalidToken, match="HS256"):
        verifier.verify(f"{unsigned}.{_b64(signature)}")


def test_symmetric_algorithms_cannot_be_configured(keys):
    with pytest.raises(ValueError, match="HS256"):
        TokenVerifier(
            keys=keys, issuer="https://oauth.example.test", audience="x", algorithms=["RS256", "HS256"]
        )


def test_a_jwt_that_is_not_an_access_token_is_refused(issued, verifier):
    claims = access_token_claims(
        secret_tag="tag", app=issued.app, scopes=issued.app.scopes, audience=None, issued_at=timezone.now()
    )
    key = signing_key_active()
    id_token_like = jwt.encode(
        claims, key.private_key, algorithm=key.algorithm, headers={"kid": key.kid, "typ": "JWT"}
    )
    with pytest.raises(InvalidToken, match="typ"):
        verifier.verify(id_token_like)


def test_tampered_claims_are_refused(issued, verifier):
    header, payload, signature = signed(issued.app).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["scope"] = "/twilio/voice/calls/*"
    with pytest.raises(InvalidToken, match="[Ss]ignature"):
        verifier.verify(f"{header}.{_b64(json.dumps(claims).encode())}.{signature}")


# --- DRF policies ------------------------------------------------------------------------------


class EventsView(APIView):
    """A view of another service, with DRF's stock exception handler (not this project's)."""

    authentication_classes = [JWTAuthentication]
    permission_classes = [HasPermission]
    required_permissions = {"GET": LIST_EVENTS}

    def get_exception_handler(self):
        return exception_handler

    def get(self, request):
        return Response({"client_id": request.user.client_id, "account_sid": request.user.account_sid})

    def post(self, request):
        return Response({})


class TwilioShapedView(EventsView):
    permission_classes = [HasRequestPermission]


def call(view, method="get", path="/v1/Events", token=None, **extra):
    if token:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    request = getattr(APIRequestFactory(), method)(path, **extra)
    return view.as_view()(request)


def test_drf_view_accepts_a_token_with_the_declared_permission(client, account, member, service_settings):
    app = make_app(account, user=member.user, scopes=[LIST_EVENTS]).app
    response = call(EventsView, token=signed(app))
    assert response.status_code == 200
    assert response.data == {"client_id": app.client_id, "account_sid": account.sid}


def test_drf_view_without_a_token_is_401_with_a_bare_challenge(service_settings):
    response = call(EventsView)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_drf_view_with_a_bad_token_is_401_invalid_token(service_settings):
    response = call(EventsView, token="not-a-jwt")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'


def test_drf_view_refuses_a_token_without_the_permission(account, member, service_settings):
    app = make_app(account, user=member.user, scopes=[READ_EVENTS]).app
    response = call(EventsView, token=signed(app))
    assert response.status_code == 403
    assert (
        response["WWW-Authenticate"]
        == f'Bearer realm="api", error="insufficient_scope", scope="{LIST_EVENTS}"'
    )


def test_drf_view_refuses_a_method_it_does_not_declare(account, member, service_settings):
    app = make_app(account, user=member.user, scopes=[LIST_EVENTS]).app
    response = call(EventsView, method="post", token=signed(app))
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == 'Bearer realm="api", error="insufficient_scope"'


def test_drf_wildcard_grants_an_action_of_its_resource(account, member, service_settings):
    app = make_app(account, user=member.user, scopes=["/twilio/messaging/messages/*"]).app

    class MessageView(EventsView):
        required_permissions = {"GET": "/twilio/messaging/messages/read"}

    assert call(MessageView, token=signed(app)).status_code == 200
    assert call(EventsView, token=signed(app)).status_code == 403


def test_drf_audience_setting_is_enforced(account, member, service_settings):
    service_settings.OAUTH_APPS_AUDIENCE = "https://billing.example.test"
    app = make_app(account, user=member.user, scopes=[LIST_EVENTS]).app
    assert call(EventsView, token=signed(app)).status_code == 401
    assert call(EventsView, token=signed(app, aud="https://billing.example.test")).status_code == 200


def test_drf_request_permission_follows_the_catalog(account, member, service_settings):
    service_settings.SCOPES_HOST_ALIASES = {"testserver": "api"}
    app = make_app(account, user=member.user, scopes=["/twilio/voice/calls/list"]).app
    token = signed(app)
    assert call(TwilioShapedView, path=f"{ACCOUNT_PATH}/Calls.json", token=token).status_code == 200
    refused = call(TwilioShapedView, path=f"{ACCOUNT_PATH}/Messages.json", token=token)
    assert refused.status_code == 403
    assert 'scope="/twilio/messaging/messages/list"' in refused["WWW-Authenticate"]
    assert call(TwilioShapedView, path="/not/in/the/catalog", token=token).status_code == 403


# --- a separate service --------------------------------------------------------------------------

SEPARATE_SERVICE = """
import json, os, sys
import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
    ALLOWED_HOSTS=["testserver"],
    OAUTH_APPS_JWKS_URL=os.environ["JWKS_URL"],
    OAUTH_APPS_ISSUER=os.environ["ISSUER"],
)
django.setup()
from oauthapps.resource_server.conf import token_verifier
from oauthapps.resource_server.drf import HasPermission, JWTAuthentication

token = token_verifier().verify(os.environ["TOKEN"])
ours = sorted(
    m for m in sys.modules
    if m.split(".")[0] in ("console", "audit") or m in ("oauthapps.models", "oauthapps.server.tokens")
)
print(json.dumps({"client_id": token.client_id, "our_modules": ours}))
"""


def test_helper_runs_in_a_service_without_our_apps_or_database(client, issued, jwks_url, settings):
    token = issue(client, issued)
    env = {**os.environ, "JWKS_URL": jwks_url, "ISSUER": settings.OAUTH_ISSUER, "TOKEN": token}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-c", SEPARATE_SERVICE],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"client_id": issued.app.client_id, "our_modules": []}
