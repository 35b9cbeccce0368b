"""GET /v1/Permissions: the catalog for tools, public JSON."""

import pytest

pytestmark = pytest.mark.django_db


def test_lists_every_area(client):
    body = client.get("/v1/Permissions").json()
    assert len(body["areas"]) == 13
    assert body["permissions"] >= 500
    iam = next(a for a in body["areas"] if a["area"] == "iam")
    assert iam["url"].endswith("/v1/Permissions/iam")


def test_one_area_with_endpoints(client):
    response = client.get("/v1/Permissions/iam")
    assert response.status_code == 200 and "public" in response["Cache-Control"]
    permissions = {p["permission"]: p for p in response.json()["permissions"]}
    create = permissions["/twilio/iam/account-oauth-apps/create"]
    assert create["endpoints"] == [{"method": "POST", "host": "iam", "path": "/v1/Account/OAuthApps"}]


def test_resolve_one_permission_and_its_wildcard(client):
    body = client.get("/v1/Permissions", {"permission": "/twilio/voice/calls/*"}).json()
    assert "/twilio/voice/calls/create" in body["grants"] and body["area"] == "voice"


def test_unknown_area_and_permission_are_twilio_404s(client):
    for response in (client.get("/v1/Permissions/nope"), client.get("/v1/Permissions", {"permission": "/x"})):
        assert response.status_code == 404
        assert response.json()["code"] == 20404
