"""Token endpoint edges: a policy that grants nothing, repeated scopes, and form bodies in
a charset other than UTF-8 at the token, introspection and revocation endpoints."""

import jwt
import pytest
from django.test import Client

from oauthapps import services
from tests.factories import make_app, web_actor
from tests.oauthapps.test_token_endpoint import credentials, post_token

pytestmark = pytest.mark.django_db

LIST = "/twilio/monitor/events/list"
READ = "/twilio/iam/account-oauth-apps/read"


def claims_of(response) -> dict:
    assert response.status_code == 200, response.content
    return jwt.decode(response.json()["access_token"], options={"verify_signature": False})


def test_an_app_whose_deny_list_equals_its_allow_list_gets_no_token(issued, member, client):
    services.oauth_app_update(
        app=issued.app, actor=web_actor(member.user), denied_scopes=list(issued.app.scopes)
    )
    response = post_token(client, credentials(issued))
    body = response.json()
    assert response.status_code == 400 and body["error"] == "invalid_scope", body
    assert body["status"] == 400 and body["message"]


def test_an_app_whose_deny_removes_every_wildcard_action_gets_no_token(account, member, client):
    issued = make_app(account, user=member.user, scopes=["/twilio/iam/account-oauth-apps/*"])
    services.oauth_app_update(
        app=issued.app, actor=web_actor(member.user), denied_scopes=["/twilio/iam/account-oauth-apps/*"]
    )
    response = post_token(client, credentials(issued))
    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"


def test_a_repeated_scope_appears_once_in_the_token(issued, client):
    response = post_token(client, credentials(issued, scope=f"{LIST} {READ} {LIST} {LIST}"))
    assert claims_of(response)["scope"] == f"{LIST} {READ}"
    assert response.json()["scope"] == f"{LIST} {READ}"


def test_a_repeated_scope_alone_is_granted_once(issued, client):
    response = post_token(client, credentials(issued, scope=f"{READ} {READ}"))
    assert claims_of(response)["scope"] == READ


@pytest.mark.parametrize("path", ["/v2/token", "/v2/token/introspect", "/v2/token/revoke"])
@pytest.mark.parametrize("charset", ["latin-1", "ISO-8859-1", "utf-16", "no-such-charset"])
def test_a_form_in_another_charset_is_an_rfc6749_json_error(issued, path, charset):
    client = Client(raise_request_exception=False)
    response = client.generic(  # generic(): the test client sends the bytes as they are
        "POST",
        path,
        credentials(issued, token="x"),
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == "invalid_request" and "UTF-8" in body["error_description"]
    assert body["status"] == 400 and body["code"] and body["message"] and body["more_info"]


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", '"utf-8"'])
def test_a_form_declared_utf8_is_accepted(issued, client, charset):
    response = client.post(
        "/v2/token", credentials(issued), content_type=f"application/x-www-form-urlencoded; charset={charset}"
    )
    assert response.status_code == 200, response.content
