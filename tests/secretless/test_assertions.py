"""Verifying client assertions (oauthapps/server/assertions.py) and the authenticators that
claim them (oauthapps/server/client_auth.py): every rule."""

import time

import jwt
import pytest

from oauthapps.server import key_fetch
from oauthapps.server.assertions import (
    CLIENT_ASSERTION_TYPE,
    AssertionRejected,
    federated_verify,
    private_key_jwt_verify,
)
from oauthapps.server.client_auth import (
    FederatedAuthenticator,
    MalformedClientAuthentication,
    PrivateKeyJwtAuthenticator,
)
from tests.factories import make_app
from tests.issuer import LocalIssuer, SigningKey, client_assertion
from tests.secretless.test_key_fetch import FakeClock

pytestmark = pytest.mark.django_db

AUDIENCE = "api://oauthapps"


@pytest.fixture
def token_url(settings):
    return settings.OAUTH_ISSUER + "/v2/token"


def key_app(account, member, jwks=None, jwks_uri=""):
    issued = make_app(
        account, user=member.user, token_endpoint_auth_method="private_key_jwt", jwks=jwks, jwks_uri=jwks_uri
    )
    return issued.app


def federated_app(account, member, issuer_url, subject="repo:acme/site:ref:refs/heads/main", claims=None):
    credential = {"issuer": issuer_url, "subject": subject, "audiences": [AUDIENCE]}
    if claims:
        credential["claims"] = claims
    issued = make_app(
        account,
        user=member.user,
        token_endpoint_auth_method="private_key_jwt",
        federated_credentials=[credential],
    )
    return issued.app


class TestPrivateKeyJwt:
    def test_authlibs_default_assertion_is_accepted(self, account, member, token_url):
        key = SigningKey()
        app = key_app(account, member, {"keys": [key.jwk]})
        credential = private_key_jwt_verify(
            app, client_assertion(key, client_id=app.client_id, audience=token_url)
        )
        assert credential.method == "private_key_jwt"

    def test_the_issuer_identifier_is_accepted_as_audience(self, account, member, settings):
        key = SigningKey()
        app = key_app(account, member, {"keys": [key.jwk]})
        private_key_jwt_verify(
            app, client_assertion(key, client_id=app.client_id, audience=settings.OAUTH_ISSUER)
        )

    def test_a_replayed_assertion_is_refused(self, account, member, token_url):
        key = SigningKey()
        app = key_app(account, member, {"keys": [key.jwk]})
        assertion = client_assertion(key, client_id=app.client_id, audience=token_url)
        private_key_jwt_verify(app, assertion)
        with pytest.raises(AssertionRejected, match="replayed"):
            private_key_jwt_verify(app, assertion)

    def test_an_assertion_living_longer_than_an_hour_is_refused(self, account, member, token_url):
        key = SigningKey()
        app = key_app(account, member, {"keys": [key.jwk]})
        with pytest.raises(AssertionRejected, match="longer than an hour"):
            private_key_jwt_verify(
                app, client_assertion(key, client_id=app.client_id, audience=token_url, lifetime=3700)
            )

    def test_an_assertion_without_iat_is_bounded_from_now(self, account, member, token_url):
        key = SigningKey()
        app = key_app(account, member, {"keys": [key.jwk]})
        now = int(time.time())
        claims = {"iss": app.client_id, "sub": app.client_id, "aud": token_url, "exp": now + 7200, "jti": "j"}
        with pytest.raises(AssertionRejected, match="longer than an hour"):
            private_key_jwt_verify(app, key.sign(claims, kid=False))

    @pytest.mark.parametrize(
        "change",
        [
            {"aud": "https://elsewhere.example/token"},
            {"sub": "OQ" + "0" * 32},
            {"exp": int(time.time()) - 60},
            {"jti": None},
        ],
    )
    def test_claims_that_do_not_hold_are_refused(self, account, member, token_url, change):
        key = SigningKey()
        app = key_app(account, member, {"keys": [key.jwk]})
        claims = {k: v for k, v in change.items() if v is not None}
        assertion = client_assertion(key, client_id=app.client_id, audience=token_url, **claims)
        if change.get("jti", "") is None:
            payload = jwt.decode(assertion, options={"verify_signature": False})
            del payload["jti"]
            assertion = key.sign(payload, kid=False)
        with pytest.raises(AssertionRejected):
            private_key_jwt_verify(app, assertion)

    def test_a_key_the_app_did_not_register_is_refused(self, account, member, token_url):
        app = key_app(account, member, {"keys": [SigningKey().jwk]})
        with pytest.raises(AssertionRejected, match="no registered key"):
            private_key_jwt_verify(
                app, client_assertion(SigningKey(), client_id=app.client_id, audience=token_url)
            )

    def test_alg_none_is_refused(self, account, member, token_url):
        app = key_app(account, member, {"keys": [SigningKey().jwk]})
        now = int(time.time())
        unsigned = jwt.encode(
            {"iss": app.client_id, "sub": app.client_id, "aud": token_url, "exp": now + 60, "jti": "x"},
            None,
            algorithm="none",
        )
        with pytest.raises(AssertionRejected, match="'none' is not accepted"):
            private_key_jwt_verify(app, unsigned)

    def test_hmac_with_the_public_key_as_secret_is_refused(self, account, member, token_url):
        key = SigningKey()
        app = key_app(account, member, {"keys": [key.jwk]})
        now = int(time.time())
        claims = {"iss": app.client_id, "sub": app.client_id, "aud": token_url, "exp": now + 60, "jti": "x"}
        forged = jwt.api_jws.PyJWS().encode(
            jwt.utils.force_bytes(str(claims).replace("'", '"')), key.jwk["n"].encode(), algorithm="HS256"
        )
        with pytest.raises(AssertionRejected, match="'HS256' is not accepted"):
            private_key_jwt_verify(app, forged)

    def test_with_a_kid_only_that_key_is_tried(self, account, member, token_url):
        first, second = SigningKey(kid="a"), SigningKey(kid="b")
        app = key_app(account, member, {"keys": [first.jwk, second.jwk]})
        private_key_jwt_verify(
            app, client_assertion(second, client_id=app.client_id, audience=token_url, kid="b")
        )
        with pytest.raises(AssertionRejected):  # signed by b, but names a
            private_key_jwt_verify(
                app, client_assertion(second, client_id=app.client_id, audience=token_url, kid="a")
            )

    def test_without_a_kid_each_key_is_tried(self, account, member, token_url):
        keys = [SigningKey(), SigningKey("EC"), SigningKey()]
        app = key_app(account, member, {"keys": [key.jwk for key in keys]})
        for key in keys:
            private_key_jwt_verify(app, client_assertion(key, client_id=app.client_id, audience=token_url))

    def test_a_key_rotation_at_the_jwks_uri_is_picked_up(
        self, account, member, token_url, issuer, monkeypatch
    ):
        clock = FakeClock()
        monkeypatch.setattr(key_fetch.documents, "clock", clock)
        app = key_app(account, member, jwks_uri=issuer.url + "/jwks")
        old = issuer.keys[0]
        private_key_jwt_verify(app, client_assertion(old, client_id=app.client_id, audience=token_url))
        new = SigningKey(kid="k2")
        issuer.keys = [old, new]
        clock.now += 31  # the cache is fresh, but an unknown kid may refetch after 30 s
        private_key_jwt_verify(
            app, client_assertion(new, client_id=app.client_id, audience=token_url, kid="k2")
        )
        assert issuer.hits["/jwks"] == 2

    def test_a_flood_of_unknown_kids_fetches_the_jwks_uri_once(self, account, member, token_url, issuer):
        app = key_app(account, member, jwks_uri=issuer.url + "/jwks")
        for number in range(20):
            stranger = SigningKey(kid=f"unknown-{number}")
            with pytest.raises(AssertionRejected):
                private_key_jwt_verify(
                    app, client_assertion(stranger, client_id=app.client_id, audience=token_url, kid=True)
                )
        assert issuer.hits["/jwks"] == 1


class TestFederated:
    def test_a_platform_token_matching_a_credential_is_accepted_and_may_be_presented_again(
        self, account, member, issuer
    ):
        app = federated_app(account, member, issuer.url)
        token = issuer.token(subject="repo:acme/site:ref:refs/heads/main", audience=AUDIENCE)
        assert federated_verify(app, token).method == "federated"
        assert federated_verify(app, token).subject == "repo:acme/site:ref:refs/heads/main"  # until its exp

    @pytest.mark.parametrize(
        ("subject", "audience"),
        [
            ("repo:acme/site:ref:refs/heads/evil", AUDIENCE),
            ("repo:acme/site:ref:refs/heads/main", "api://other"),
        ],
    )
    def test_another_subject_or_audience_is_refused(self, account, member, issuer, subject, audience):
        app = federated_app(account, member, issuer.url)
        with pytest.raises(AssertionRejected):
            federated_verify(app, issuer.token(subject=subject, audience=audience))

    def test_an_audience_list_holding_one_of_the_audiences_is_accepted(self, account, member, issuer):
        app = federated_app(account, member, issuer.url)
        federated_verify(
            app, issuer.token(subject="repo:acme/site:ref:refs/heads/main", audience=["x", AUDIENCE])
        )

    def test_a_pinned_claim_must_match_exactly(self, account, member, issuer):
        app = federated_app(account, member, issuer.url, claims={"repository_owner_id": "1234"})
        subject = "repo:acme/site:ref:refs/heads/main"
        federated_verify(app, issuer.token(subject=subject, audience=AUDIENCE, repository_owner_id="1234"))
        with pytest.raises(AssertionRejected):
            federated_verify(
                app, issuer.token(subject=subject, audience=AUDIENCE, repository_owner_id="9999")
            )
        with pytest.raises(AssertionRejected):
            federated_verify(app, issuer.token(subject=subject, audience=AUDIENCE))

    def test_an_expired_platform_token_is_refused(self, account, member, issuer):
        app = federated_app(account, member, issuer.url)
        with pytest.raises(AssertionRejected, match="expired"):
            federated_verify(
                app,
                issuer.token(subject="repo:acme/site:ref:refs/heads/main", audience=AUDIENCE, lifetime=-60),
            )

    def test_a_token_not_yet_valid_is_refused(self, account, member, issuer):
        app = federated_app(account, member, issuer.url)
        later = int(time.time()) + 600
        with pytest.raises(AssertionRejected):
            federated_verify(
                app, issuer.token(subject="repo:acme/site:ref:refs/heads/main", audience=AUDIENCE, nbf=later)
            )

    def test_a_look_alike_issuer_is_refused_without_fetching_it(self, account, member, issuer):
        app = federated_app(account, member, issuer.url)
        with LocalIssuer() as impostor:  # its own keys, its own name
            token = impostor.token(subject="repo:acme/site:ref:refs/heads/main", audience=AUDIENCE)
            with pytest.raises(AssertionRejected, match="none of the app's federated credentials"):
                federated_verify(app, token)
            assert impostor.hits == {}

    def test_a_token_claiming_the_issuer_but_signed_elsewhere_is_refused(self, account, member, issuer):
        app = federated_app(account, member, issuer.url)
        forged = issuer.token(
            subject="repo:acme/site:ref:refs/heads/main", audience=AUDIENCE, key=SigningKey(kid="k1")
        )
        with pytest.raises(AssertionRejected, match="no registered key"):
            federated_verify(app, forged)

    def test_an_issuer_whose_discovery_names_another_issuer_is_refused(self, account, member, issuer):
        app = federated_app(account, member, issuer.url)
        issuer.issuer_in_document = issuer.url + "/"
        with pytest.raises(AssertionRejected, match="names another issuer"):
            federated_verify(
                app, issuer.token(subject="repo:acme/site:ref:refs/heads/main", audience=AUDIENCE)
            )

    def test_an_issuer_key_rotation_is_picked_up(self, account, member, issuer, monkeypatch):
        clock = FakeClock()
        monkeypatch.setattr(key_fetch.documents, "clock", clock)
        app = federated_app(account, member, issuer.url)
        subject = "repo:acme/site:ref:refs/heads/main"
        federated_verify(app, issuer.token(subject=subject, audience=AUDIENCE))
        issuer.keys = [SigningKey(kid="k2")]
        clock.now += 31
        federated_verify(app, issuer.token(subject=subject, audience=AUDIENCE))

    def test_an_issuer_on_loopback_is_refused_with_debug_off(self, account, member, issuer, settings):
        app = federated_app(account, member, issuer.url)
        token = issuer.token(subject="repo:acme/site:ref:refs/heads/main", audience=AUDIENCE)
        settings.KEY_FETCH_ALLOW_LOOPBACK = False
        with pytest.raises(AssertionRejected, match="https"):
            federated_verify(app, token)
        assert issuer.hits == {}


def form(assertion: str, client_id: str | None = None) -> dict:
    data = {"client_assertion_type": CLIENT_ASSERTION_TYPE, "client_assertion": assertion}
    if client_id:
        data["client_id"] = client_id
    return data


def authenticate(data: dict):
    """What the one client authentication does with an assertion: the authenticator that
    claims it (exactly one does) verifies it."""
    claims = [(a, a.claim(data, {})) for a in (PrivateKeyJwtAuthenticator(), FederatedAuthenticator())]
    claimed = [(authenticator, claim) for authenticator, claim in claims if claim is not None]
    assert len(claimed) == 1
    authenticator, claim = claimed[0]
    return authenticator.verify(claim)


class TestWhichApp:
    def test_client_id_is_optional_for_an_apps_own_assertion(self, account, member, token_url):
        key = SigningKey()
        app = key_app(account, member, {"keys": [key.jwk]})
        app_found, credential = authenticate(
            form(client_assertion(key, client_id=app.client_id, audience=token_url))
        )
        assert app_found == app and credential.method == "private_key_jwt" and credential.secret_tag

    def test_client_id_is_required_for_a_federated_assertion(self, issuer):
        token = issuer.token(subject="s", audience=AUDIENCE)
        with pytest.raises(MalformedClientAuthentication, match="client_id is required"):
            FederatedAuthenticator().claim(form(token), {})
        assert PrivateKeyJwtAuthenticator().claim(form(token), {}) is None

    def test_an_own_assertion_naming_another_client_id_fails(self, account, member, token_url):
        key = SigningKey()
        app = key_app(account, member, {"keys": [key.jwk]})
        other = key_app(account, member, {"keys": [key.jwk]})
        assert (
            authenticate(
                form(client_assertion(key, client_id=app.client_id, audience=token_url), other.client_id)
            )
            is None
        )

    def test_an_assertion_for_a_secret_app_does_not_authenticate_it(self, account, member, token_url):
        secret_app = make_app(account, user=member.user).app
        key = SigningKey()
        assertion = client_assertion(key, client_id=secret_app.client_id, audience=token_url)
        assert authenticate(form(assertion)) is None

    def test_a_federated_token_for_another_app_does_not_authenticate_this_one(self, account, member, issuer):
        federated_app(account, member, issuer.url)
        other = federated_app(account, member, issuer.url, subject="repo:acme/other:ref:refs/heads/main")
        token = issuer.token(subject="repo:acme/site:ref:refs/heads/main", audience=AUDIENCE)
        assert authenticate(form(token, other.client_id)) is None

    def test_a_federated_assertion_is_a_federated_credential(self, account, member, issuer):
        app = federated_app(account, member, issuer.url)
        token = issuer.token(subject="repo:acme/site:ref:refs/heads/main", audience=AUDIENCE)
        assert authenticate(form(token, app.client_id))[1].method == "federated"
