"""Fixtures for the IAM and Monitor APIs: apps with chosen permissions and their tokens."""

import json

import pytest

from tests.factories import AccountFactory, MembershipFactory, make_app

IAM_ALL = [
    f"/twilio/iam/account-oauth-apps/{action}" for action in ("create", "list", "read", "update", "delete")
]
MONITOR_ALL = ["/twilio/monitor/events/list", "/twilio/monitor/events/read"]
EVERYTHING = IAM_ALL + MONITOR_ALL


def token_for(client, issued, scope: str | None = None) -> str:
    from urllib.parse import urlencode

    fields = {
        "grant_type": "client_credentials",
        "client_id": issued.app.client_id,
        "client_secret": issued.secret,
    }
    if scope:
        fields["scope"] = scope
    response = client.post("/v2/token", urlencode(fields), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


class Api:
    """The Django test client with a Bearer token and JSON bodies."""

    def __init__(self, client, token: str | None) -> None:
        self.client = client
        self.token = token

    def _headers(self, extra: dict) -> dict:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **extra}

    def get(self, path, params=None, **extra):
        return self.client.get(path, params or {}, **self._headers(extra))

    def post(self, path, body=None, **extra):
        data = json.dumps(body) if body is not None else ""
        return self.client.generic(
            "POST", path, data, content_type="application/json", **self._headers(extra)
        )

    def put(self, path, body=None, **extra):
        data = json.dumps(body) if body is not None else ""
        return self.client.generic("PUT", path, data, content_type="application/json", **self._headers(extra))

    def delete(self, path, **extra):
        return self.client.delete(path, **self._headers(extra))

    def request(self, method, path, data="", content_type="application/json", **extra):
        return self.client.generic(method, path, data, content_type=content_type, **self._headers(extra))


@pytest.fixture
def other_account(db):
    return AccountFactory(name="Other account")


@pytest.fixture
def other_app(other_account):
    return make_app(other_account, user=MembershipFactory(account=other_account).user, name="Other's app")


def assert_twilio_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == status
    assert isinstance(body["code"], int)
    assert body["message"]
    assert body["more_info"].startswith("https://www.twilio.com/docs/errors/")
    return body
