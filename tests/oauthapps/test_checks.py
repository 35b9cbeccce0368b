"""Discovery, JWKS, introspection and revocation."""

import time

import jwt
import pytest

from oauthapps import services
from oauthapps.models import OAuthApp
from oauthapps.server import token_checks, tokens
from oauthapps.server.signing_keys import signing_key_create, signing_key_retire, signing_keys_forget
from oauthapps.server.token_checks import token_check, verified_tokens
from oauthapps.server.tokens import InvalidAccessToken
from tests.factories import AccountFactory, make_app, web_actor
from tests.oauthapps.test_token_endpoint import basic, credentials, form, post_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    signing_keys_forget()
    yield
    signing_keys_forget()


def issue(client, issued) -> str:
    return post_token(client, credentials(issued)).json()["access_token"]


def introspect(client, caller, token):
    return client.post(
        "/v2/token/introspect",
        {"token": token},
        HTTP_AUTHORIZATION=basic(caller.app.client_id, caller.secret),
    )


def test_metadata_advertises_the_endpoints(client, settings):
    body = client.get("/.well-known/oauth-authorization-server").json()
    assert body["issuer"] == settings.OAUTH_ISSUER
    assert body["token_endpoint"] == settings.OAUTH_ISSUER + "/v2/token"
    assert body["jwks_uri"].endswith("/.well-known/jwks.json")
    assert body["introspection_endpoint"].endswith("/v2/token/introspect")
    assert body["revocation_endpoint"].endswith("/v2/token/revoke")
    assert body["grant_types_supported"] == ["client_credentials"]
    assert set(body["token_endpoint_auth_methods_supported"]) == {"client_secret_basic", "client_secret_post"}
    assert "/twilio/iam/account-oauth-apps/create" in body["scopes_supported"]


def test_token_signature_verifies_against_published_jwks(client, issued, settings):
    token = issue(client, issued)
    jwks = client.get("/.well-known/jwks.json").json()
    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next(key for key in jwks["keys"] if key["kid"] == kid)
    assert jwk["alg"] == "RS256" and jwk["use"] == "sig" and "d" not in jwk
    public_key = jwt.PyJWK(jwk).key
    claims = jwt.decode(
        token,
        public_key,
        algorithms=["RS256"],
        audience=settings.TOKEN_AUDIENCES[0],
        issuer=settings.OAUTH_ISSUER,
    )
    assert claims["client_id"] == issued.app.client_id


def test_es256_keys_work_too(client, issued, settings):
    settings.JWT_SIGNING_ALGORITHM = "ES256"
    signing_key_create(algorithm="ES256")
    token = issue(client, issued)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "ES256" and header["typ"] == "at+jwt"
    jwk = next(k for k in client.get("/.well-known/jwks.json").json()["keys"] if k["kid"] == header["kid"])
    jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["ES256"], options={"verify_aud": False})


def test_retired_key_stays_published_while_its_tokens_live(client, issued):
    token = issue(client, issued)
    old_kid = jwt.get_unverified_header(token)["kid"]
    signing_key_create()
    signing_key_retire(kid=old_kid)
    new_token = issue(client, issued)
    assert jwt.get_unverified_header(new_token)["kid"] != old_kid
    kids = {k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]}
    assert old_kid in kids
    assert introspect(client, issued, token).json()["active"] is True


def test_introspection_of_a_live_token(client, issued):
    token = issue(client, issued)
    body = introspect(client, issued, token).json()
    assert body["active"] is True
    assert body["client_id"] == issued.app.client_id
    assert body["scope"] == " ".join(issued.app.scopes)
    assert body["account_sid"] == issued.app.account.sid
    assert body["token_type"] == "Bearer"


def test_introspection_with_body_credentials(client, issued):
    token = issue(client, issued)
    response = client.post(
        "/v2/token/introspect",
        {"token": token, "client_id": issued.app.client_id, "client_secret": issued.secret},
    )
    assert response.json()["active"] is True


def test_introspection_requires_client_credentials(client, issued):
    response = client.post("/v2/token/introspect", {"token": issue(client, issued)})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_introspection_of_garbage_is_inactive(client, issued):
    assert introspect(client, issued, "not-a-token").json() == {"active": False}


def test_other_accounts_cannot_introspect_a_token(client, issued):
    outsider = make_app(AccountFactory(), name="Outsider")
    assert introspect(client, outsider, issue(client, issued)).json() == {"active": False}


def test_token_of_deleted_app_is_inactive(client, issued, member, account):
    token = issue(client, issued)
    resource_server = make_app(account, user=member.user, name="Resource server")
    assert introspect(client, resource_server, token).json()["active"] is True  # now remembered
    services.oauth_app_delete(app=issued.app, actor=web_actor(member.user))
    assert introspect(client, resource_server, token).json() == {"active": False}


def test_revocation_makes_token_inactive(client, issued, account, member):
    token = issue(client, issued)
    response = client.post(
        "/v2/token/revoke",
        form(token=token),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic(issued.app.client_id, issued.secret),
    )
    assert response.status_code == 200
    resource_server = make_app(account, user=member.user, name="Resource server")
    assert introspect(client, resource_server, token).json() == {"active": False}


def test_revocation_wins_over_a_remembered_signature(client, issued, account, member):
    token = issue(client, issued)
    resource_server = make_app(account, user=member.user, name="Resource server")
    assert introspect(client, resource_server, token).json()["active"] is True
    assert token in verified_tokens._claims
    client.post(
        "/v2/token/revoke",
        form(token=token),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic(issued.app.client_id, issued.secret),
    )
    assert introspect(client, resource_server, token).json() == {"active": False}


def test_a_remembered_token_still_expires(client, issued, settings):
    settings.TOKEN_CLOCK_LEEWAY_SECONDS = 0  # the leeway's own tests are in test_clock_leeway.py
    # Below the app field's 1-minute floor, written around its validators on purpose:
    # iat is truncated to the second, so the token is valid for at least 1 s.
    OAuthApp.objects.filter(pk=issued.app.pk).update(access_token_ttl=2)
    token = issue(client, issued)
    grant = token_check(token)
    assert token in verified_tokens._claims
    time.sleep(max(0.0, grant.claims["exp"] - time.time()) + 0.05)
    with pytest.raises(InvalidAccessToken):
        token_check(token)


def test_a_remembered_token_of_an_unpublished_key_is_checked_again(client, issued, monkeypatch):
    token = issue(client, issued)
    token_check(token)
    monkeypatch.setattr(token_checks, "signing_keys_published", dict)
    monkeypatch.setattr(tokens, "signing_keys_published", dict)
    with pytest.raises(InvalidAccessToken, match="not signed by a key of this server"):
        token_check(token)
    assert token not in verified_tokens._claims


def test_only_the_most_recent_signatures_are_remembered(monkeypatch):
    cache = token_checks._VerifiedTokens(size=2)
    verified = ({"exp": time.time() + 60}, "k")
    monkeypatch.setattr(token_checks, "access_token_verify_keyed", lambda token: verified)
    for token in ("a", "b", "a", "c"):
        cache.claims(token)
    assert list(cache._claims) == ["a", "c"]


def test_an_app_cannot_revoke_another_apps_token(client, issued, account, member):
    token = issue(client, issued)
    other = make_app(account, user=member.user, name="Other")
    client.post(
        "/v2/token/revoke",
        form(token=token),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic(other.app.client_id, other.secret),
    )
    assert introspect(client, other, token).json()["active"] is True


def test_revocation_with_malformed_basic_header_is_refused_not_a_500(client, issued):
    token = issue(client, issued)
    response = client.post(
        "/v2/token/revoke",
        form(token=token),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION="Basic bad",
    )
    # As the token and introspection endpoints answer it (django-oauth-toolkit's view said 401).
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    assert introspect(client, issued, token).json()["active"] is True
