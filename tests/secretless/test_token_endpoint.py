"""POST /v2/token with client assertions: the form's rules, one method per request, limits."""

from urllib.parse import urlencode

import jwt
import pytest

from oauthapps.server.assertions import CLIENT_ASSERTION_TYPE
from tests.factories import make_app
from tests.issuer import SigningKey, client_assertion

pytestmark = pytest.mark.django_db

AUDIENCE = "api://oauthapps"


@pytest.fixture
def token_url(settings):
    return settings.OAUTH_ISSUER + "/v2/token"


@pytest.fixture
def key():
    return SigningKey()


@pytest.fixture
def key_app(account, member, key):
    return make_app(
        account, user=member.user, token_endpoint_auth_method="private_key_jwt", jwks={"keys": [key.jwk]}
    ).app


def post(client, fields: dict, **headers):
    return client.post(
        "/v2/token", urlencode(fields), content_type="application/x-www-form-urlencoded", **headers
    )


def assertion_form(assertion: str, client_id: str | None = None) -> dict:
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": CLIENT_ASSERTION_TYPE,
        "client_assertion": assertion,
    }
    if client_id:
        form["client_id"] = client_id
    return form


def test_a_key_app_gets_a_token_without_client_id(client, key_app, key, token_url):
    response = post(
        client, assertion_form(client_assertion(key, client_id=key_app.client_id, audience=token_url))
    )
    assert response.status_code == 200, response.content
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["client_id"] == key_app.client_id and claims["account_sid"] == key_app.account.sid


def test_a_replayed_assertion_is_invalid_client(client, key_app, key, token_url):
    form = assertion_form(
        client_assertion(key, client_id=key_app.client_id, audience=token_url), key_app.client_id
    )
    assert post(client, form).status_code == 200
    replay = post(client, form)
    assert replay.status_code == 401 and replay.json()["error"] == "invalid_client"


def test_a_secret_for_a_key_app_is_invalid_client(client, key_app):
    response = post(
        client,
        {"grant_type": "client_credentials", "client_id": key_app.client_id, "client_secret": "x" * 64},
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_an_assertion_for_a_secret_app_is_invalid_client(client, issued, key, token_url):
    assertion = client_assertion(key, client_id=issued.app.client_id, audience=token_url)
    response = post(client, assertion_form(assertion, issued.app.client_id))
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_a_secret_and_an_assertion_together_are_invalid_request(client, issued, key, token_url):
    form = assertion_form(
        client_assertion(key, client_id=issued.app.client_id, audience=token_url), issued.app.client_id
    )
    response = post(client, {**form, "client_secret": issued.secret})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_basic_and_an_assertion_together_are_invalid_request(client, issued, key, token_url):
    import base64

    basic = base64.b64encode(f"{issued.app.client_id}:{issued.secret}".encode()).decode()
    form = assertion_form(client_assertion(key, client_id=issued.app.client_id, audience=token_url))
    response = post(client, form, HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_an_assertion_without_its_type_is_invalid_request(client, key_app, key, token_url):
    assertion = client_assertion(key, client_id=key_app.client_id, audience=token_url)
    response = post(client, {"grant_type": "client_credentials", "client_assertion": assertion})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_another_assertion_type_is_invalid_client(client, key_app, key, token_url):
    assertion = client_assertion(key, client_id=key_app.client_id, audience=token_url)
    form = {
        **assertion_form(assertion),
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
    }
    response = post(client, form)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_a_federated_assertion_without_client_id_is_invalid_request(client, issuer):
    response = post(client, assertion_form(issuer.token(subject="s", audience=AUDIENCE)))
    assert response.status_code == 400 and "client_id is required" in response.json()["error_description"]


def test_a_federated_app_gets_a_token_and_the_platform_token_works_again(client, account, member, issuer):
    subject = "system:serviceaccount:billing:worker"
    app = make_app(
        account,
        user=member.user,
        token_endpoint_auth_method="private_key_jwt",
        federated_credentials=[{"issuer": issuer.url, "subject": subject, "audiences": [AUDIENCE]}],
    ).app
    platform_token = issuer.token(subject=subject, audience=AUDIENCE)
    assert post(client, assertion_form(platform_token, app.client_id)).status_code == 200
    assert post(client, assertion_form(platform_token, app.client_id)).status_code == 200


def test_the_refusals_do_not_say_which_check_failed(client, key_app, key, token_url):
    wrong_key = client_assertion(SigningKey(), client_id=key_app.client_id, audience=token_url)
    wrong_aud = client_assertion(key, client_id=key_app.client_id, audience="https://elsewhere/token")
    expired = client_assertion(key, client_id=key_app.client_id, audience=token_url, exp=1)
    bodies = {post(client, assertion_form(a)).content for a in (wrong_key, wrong_aud, expired)}
    assert len(bodies) == 1


def test_failed_assertions_count_against_the_client_auth_limit(client, key_app, key, token_url, settings):
    settings.THROTTLE_CLIENT_AUTH_FAILURES_PER_CLIENT_IP = "3/300"
    statuses = []
    for _ in range(4):
        bad = client_assertion(SigningKey(), client_id=key_app.client_id, audience=token_url)
        statuses.append(post(client, assertion_form(bad)).status_code)
    assert statuses == [401, 401, 401, 429]  # as wrong secrets are counted
    good = client_assertion(key, client_id=key_app.client_id, audience=token_url)
    throttled = post(client, assertion_form(good))
    assert throttled.status_code == 429 and throttled["Retry-After"]


def test_a_key_apps_token_is_accepted_by_our_apis_and_dies_with_the_app(
    client, account, member, key, token_url
):
    from oauthapps import services
    from tests.factories import web_actor

    app = make_app(
        account,
        user=member.user,
        scopes=["/twilio/iam/account-oauth-apps/list"],
        token_endpoint_auth_method="private_key_jwt",
        jwks={"keys": [key.jwk]},
    ).app
    answer = post(client, assertion_form(client_assertion(key, client_id=app.client_id, audience=token_url)))
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {answer.json()['access_token']}"}
    assert client.get("/v1/Account/OAuthApps", **bearer).status_code == 200
    services.oauth_app_delete(app=app, actor=web_actor(member.user))
    assert client.get("/v1/Account/OAuthApps", **bearer).status_code == 401


def test_a_key_app_introspects_with_an_assertion_for_the_introspection_endpoint(
    client, key_app, key, settings
):
    token_url = settings.OAUTH_ISSUER + "/v2/token"
    token = post(
        client, assertion_form(client_assertion(key, client_id=key_app.client_id, audience=token_url))
    )
    introspect_url = settings.OAUTH_ISSUER + "/v2/token/introspect"
    form = {
        "token": token.json()["access_token"],
        "client_assertion_type": CLIENT_ASSERTION_TYPE,
        "client_assertion": client_assertion(key, client_id=key_app.client_id, audience=introspect_url),
    }
    answer = client.post(
        "/v2/token/introspect", urlencode(form), content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 200 and answer.json()["active"] is True


def test_the_metadata_lists_each_method_once_by_its_rfc_7591_name(client):
    methods = client.get("/.well-known/oauth-authorization-server").json()[
        "token_endpoint_auth_methods_supported"
    ]
    assert methods == ["client_secret_basic", "client_secret_post", "private_key_jwt"]
