"""Every refusal of the IAM and Monitor APIs: Twilio's error body with the right status."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.api.conftest import Api, assert_twilio_error, token_for
from tests.factories import make_app

pytestmark = pytest.mark.django_db

APPS = "/v1/Account/OAuthApps"


@pytest.mark.parametrize("path", [APPS, "/v1/Events", f"{APPS}/OQ{'0' * 32}", f"/v1/Events/AE{'0' * 32}"])
def test_no_token_is_401_with_a_bare_bearer_challenge(client, path):
    response = client.get(path)
    assert_twilio_error(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="oauth-apps"'  # RFC 6750 §3.1: no error code


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-jwt", "Bearer a b", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "Bearer \u00e9t\u00e9"],
)
def test_invalid_token_is_401_invalid_token(client, authorization):
    response = client.get(APPS, HTTP_AUTHORIZATION=authorization)
    assert_twilio_error(response, 401)
    assert response["WWW-Authenticate"].startswith('Bearer realm="oauth-apps", error="invalid_token"')


def test_basic_credentials_are_not_a_token(client, admin_app):
    import base64

    basic = base64.b64encode(f"{admin_app.app.client_id}:{admin_app.secret}".encode()).decode()
    response = client.get(APPS, HTTP_AUTHORIZATION=f"Basic {basic}")
    assert_twilio_error(response, 401)


def test_revoked_token_is_401(client, api, admin_app):
    body = f"token={api.token}&client_id={admin_app.app.client_id}&client_secret={admin_app.secret}"
    response = client.post("/v2/token/revoke", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.content
    assert_twilio_error(api.get(APPS), 401)


def test_missing_permission_is_403_insufficient_scope(client, account, member):
    issued = make_app(account, user=member.user, scopes=["/twilio/iam/account-oauth-apps/read"])
    api = Api(client, token_for(client, issued))
    for path, permission in [
        (APPS, "/twilio/iam/account-oauth-apps/list"),
        ("/v1/Events", "/twilio/monitor/events/list"),
    ]:
        response = api.get(path)
        error = assert_twilio_error(response, 403)
        assert error["code"] == 20403
        assert f'scope="{permission}"' in response["WWW-Authenticate"]


@pytest.mark.parametrize(
    "path",
    [
        f"{APPS}/OQ{'0' * 32}",
        f"{APPS}/not-a-sid",
        f"{APPS}/OQ{'0' * 32}/Secret",
        f"/v1/Events/AE{'0' * 32}",
        "/v1/Events/%00",
        "/v1/Nope",
        "/v1/Account/OAuthApps/",
        "/v1/",
    ],
)
def test_unknown_resource_is_404(api, path):
    response = api.get(path) if not path.endswith("Secret") else api.post(path)
    assert_twilio_error(response, 404)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PATCH", APPS, "GET, POST, HEAD"),
        ("DELETE", APPS, "GET, POST, HEAD"),
        ("OPTIONS", APPS, "GET, POST, HEAD"),
        ("POST", "/v1/Events", "GET, HEAD"),
        ("GET", f"{APPS}/OQ{'0' * 32}/Secret", "POST"),
    ],
)
def test_unsupported_method_is_405_with_allow(api, method, path, allowed):
    response = api.request(method, path, "{}")
    assert_twilio_error(response, 405)
    assert set(response["Allow"].split(", ")) == set(allowed.split(", "))


def test_405_comes_before_authentication(client):
    assert_twilio_error(client.generic("PATCH", APPS), 405)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", "hello"),
        ("application/x-www-form-urlencoded", "friendly_name=x"),
        ("multipart/form-data; boundary=x", "--x--"),
    ],
)
def test_non_json_body_is_415(api, content_type, body):
    assert_twilio_error(api.request("POST", APPS, body, content_type=content_type), 415)


def test_oversized_body_is_413_even_before_authentication(client):
    response = client.generic(
        "PUT", f"{APPS}/OQ{'0' * 32}", "{" + " " * 70_000 + "}", content_type="application/json"
    )
    assert_twilio_error(response, 413)


def test_bad_query_parameters_are_400_naming_them(api):
    for params, name in [
        ({"PageSize": "0"}, "PageSize"),
        ({"PageSize": "1001"}, "PageSize"),
        ({"PageSize": "ten"}, "PageSize"),
        ({"Page": "-1"}, "Page"),
        ({"PageToken": "forged"}, "PageToken"),
        ({"StartDate": "yesterday"}, "StartDate"),
        ({"EndDate": "2025-13-45"}, "EndDate"),
        ({"SourceIpAddress": "999.1.1.1"}, "SourceIpAddress"),
        ({"StartDate": "2025-02-01", "EndDate": "2025-01-01"}, "EndDate"),
    ]:
        error = assert_twilio_error(api.get("/v1/Events", params), 400)
        assert error["message"].startswith(f"{name}:"), error


def test_page_token_of_one_listing_does_not_work_for_another(api, account, member):
    for index in range(3):
        make_app(account, user=member.user, name=f"App {index}")
    next_url = api.get(APPS, {"PageSize": 1}).json()["meta"]["next_page_url"]
    token = parse_qs(urlsplit(next_url).query)["PageToken"][0]
    assert api.get(APPS, {"PageSize": 1, "PageToken": token}).status_code == 200
    assert_twilio_error(api.get("/v1/Events", {"PageToken": token}), 400)


@pytest.mark.parametrize(
    ("path", "name"), [("/v1/Events", "Eventtype"), (APPS, "EventType"), (f"{APPS}/OQ{'0' * 32}", "x")]
)
def test_unknown_query_parameters_are_400(api, path, name):
    error = assert_twilio_error(api.get(path, {name: "oauth-apps.created"}), 400)
    assert error["message"].startswith(f"{name}: Unknown parameter")


@pytest.mark.parametrize("name", ["StartDate", "EndDate", "EventType", "PageSize"])
def test_empty_filter_values_are_400(api, name):
    assert_twilio_error(api.get("/v1/Events", {name: ""}), 400)
