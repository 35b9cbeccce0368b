"""What Twilio clients hit at the edges: unknown paths, older token endpoints, account_sid."""

from urllib.parse import urlencode

import jwt
import pytest
from django.test import Client

from tests.api.conftest import assert_twilio_error
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@pytest.fixture
def csrf_client():
    """A client that enforces CSRF, as a real deployment does (the test client skips it)."""
    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "path", ["/v1/nope", "/v2/nope", "/v1", "/v2", "/v2/token/", "/v1/Account/OAuthApps/"]
)
def test_any_method_on_an_unknown_api_path_is_a_json_404(csrf_client, method, path):
    response = csrf_client.generic(method, path, '{"a": 1}', content_type="application/json")
    assert_twilio_error(response, 404)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/v1/Permissions", "/v1/Permissions/iam"])
def test_an_unsupported_method_on_the_catalog_api_is_a_json_405(csrf_client, method, path):
    response = csrf_client.generic(method, path, "", content_type="application/json")
    assert_twilio_error(response, 405)
    assert response["Allow"] == "GET"


def post_form(client, path, fields, **extra):
    return client.post(path, urlencode(fields), content_type="application/x-www-form-urlencoded", **extra)


def rfc_fields(issued) -> dict:
    return {
        "grant_type": "client_credentials",
        "client_id": issued.app.client_id,
        "client_secret": issued.secret,
    }


def test_v2_token_with_the_apps_own_account_sid_is_issued(csrf_client, issued):
    response = post_form(csrf_client, f"/v2/token?account_sid={issued.app.account.sid}", rfc_fields(issued))
    assert response.status_code == 200, response.content
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["account_sid"] == issued.app.account.sid


def test_v2_token_with_another_account_sid_is_refused(csrf_client, issued):
    other = AccountFactory()
    response = post_form(csrf_client, f"/v2/token?account_sid={other.sid}", rfc_fields(issued))
    body = response.json()
    assert response.status_code == 400, body
    assert body["error"] == "invalid_request"
    assert other.sid in body["error_description"] and body["code"] == 20001 and body["status"] == 400
    assert "access_token" not in body


def test_v2_token_with_another_account_sid_tells_nothing_without_the_secret(csrf_client, issued):
    other = AccountFactory()
    fields = {**rfc_fields(issued), "client_secret": "wrong"}
    response = post_form(csrf_client, f"/v2/token?account_sid={other.sid}", fields)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize("query", ["client_secret=x", "account_sid=AC1&scope=x", "foo=bar"])
def test_v2_token_refuses_any_other_query_parameter(csrf_client, issued, query):
    response = post_form(csrf_client, f"/v2/token?{query}", rfc_fields(issued))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "query parameters" in response.json()["error_description"]


def test_oauth_v1_token_takes_twilios_field_names_and_answers_201(csrf_client, issued):
    fields = {
        "GrantType": "client_credentials",
        "ClientId": issued.app.client_id,
        "ClientSecret": issued.secret,
    }
    response = post_form(csrf_client, "/v1/token", fields)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["refresh_token"] is None and body["id_token"] is None
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["client_id"] == issued.app.client_id
    assert response["Cache-Control"] == "no-store"


def test_iam_v1_token_takes_rfc_field_names_and_answers_201(csrf_client, issued):
    response = post_form(
        csrf_client, "/v1/token", {**rfc_fields(issued), "scope": "/twilio/monitor/events/list"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["scope"] == "/twilio/monitor/events/list"


def test_v1_token_refuses_a_wrong_secret_like_v2(csrf_client, issued):
    fields = {"GrantType": "client_credentials", "ClientId": issued.app.client_id, "ClientSecret": "wrong"}
    response = post_form(csrf_client, "/v1/token", fields)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_v1_token_refuses_a_form_that_mixes_both_spellings(csrf_client, issued):
    fields = {
        "GrantType": "client_credentials",
        "client_id": issued.app.client_id,
        "ClientSecret": issued.secret,
    }
    response = post_form(csrf_client, "/v1/token", fields)
    assert response.status_code == 400
    assert "mixes two spellings" in response.json()["error_description"]


def test_v1_token_refuses_other_grant_types(csrf_client, issued):
    fields = {"GrantType": "refresh_token", "ClientId": issued.app.client_id, "RefreshToken": "x"}
    response = post_form(csrf_client, "/v1/token", fields)
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
