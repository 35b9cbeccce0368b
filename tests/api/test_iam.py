"""IAM v1 /v1/Account/OAuthApps over HTTP: the contract of docs/domain.md and its refusals."""

import pytest

from audit.models import AuditEvent
from oauthapps.models import ClientSecret, OAuthApp
from tests.api.conftest import Api, assert_twilio_error, token_for
from tests.factories import make_app

pytestmark = pytest.mark.django_db

APPS = "/v1/Account/OAuthApps"
RESOURCE_FIELDS = {
    "sid",
    "type",
    "friendly_name",
    "description",
    "date_created",
    "date_updated",
    "created_by",
    "creator_sid",
    "status",
    "policy",
    "access_token_ttl",
    "dpop_bound_access_tokens",
    "client_id",
    "url",
    "token_endpoint_auth_method",
    "jwks",
    "jwks_uri",
    "federated_credentials",
}
CREATE_BODY = {
    "friendly_name": "Invoices",
    "description": "Pushes invoices",
    "type": "client_credentials",
    "policy": {"allow": ["/twilio/monitor/events/list"], "deny": []},
}


def test_create_returns_201_with_the_app_and_its_secret_once(api, admin_app, account):
    response = api.post(APPS, CREATE_BODY)
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == RESOURCE_FIELDS | {"secret"}
    assert body["sid"] == body["client_id"] and body["sid"].startswith("OQ")
    assert body["friendly_name"] == "Invoices" and body["description"] == "Pushes invoices"
    assert body["policy"] == {"allow": ["/twilio/monitor/events/list"], "deny": []}
    assert (
        body["access_token_ttl"] == 3600
        and body["status"] == "active"
        and body["type"] == "client_credentials"
    )
    assert body["creator_sid"] == admin_app.app.client_id and body["created_by"] == "Automation"
    assert body["url"] == f"http://testserver{APPS}/{body['sid']}"
    assert len(body["secret"]) == 64
    assert "secret" not in api.get(f"{APPS}/{body['sid']}").json()
    assert OAuthApp.objects.get(client_id=body["sid"]).account == account


def test_create_is_audited_as_api_with_the_calling_app_as_actor(api, admin_app):
    sid = api.post(APPS, CREATE_BODY, REMOTE_ADDR="203.0.113.9").json()["sid"]
    event = AuditEvent.objects.get(resource_sid=sid, event_type="oauth-apps.created")
    assert (event.source, event.actor_type, event.actor_sid) == ("api", "account", admin_app.app.account.sid)
    assert event.event_data["actor_app_sid"] == admin_app.app.client_id
    assert event.source_ip_address == "203.0.113.9"


def test_created_secret_obtains_a_token(api, client):
    body = api.post(APPS, CREATE_BODY).json()
    response = client.post(
        "/v2/token",
        f"grant_type=client_credentials&client_id={body['client_id']}&client_secret={body['secret']}",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200


def test_explicit_nulls_mean_not_given(api):
    response = api.post(
        APPS, {**CREATE_BODY, "owner_sid": None, "client_sid": None, "access_token_ttl": None}
    )
    assert response.status_code == 201, response.content


def test_owner_sid_of_the_own_account_is_accepted(api, account):
    assert api.post(APPS, {**CREATE_BODY, "owner_sid": account.sid}).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**CREATE_BODY, "friendly_name": ""}, "friendly_name"),
        ({k: v for k, v in CREATE_BODY.items() if k != "friendly_name"}, "friendly_name"),
        ({**CREATE_BODY, "friendly_name": "x" * 101}, "friendly_name"),
        ({**CREATE_BODY, "description": "y" * 1001}, "description"),
        ({**CREATE_BODY, "policy": {"allow": []}}, "policy.allow"),
        ({**CREATE_BODY, "policy": None}, "policy.allow"),
        ({**CREATE_BODY, "policy": {"allow": ["/twilio/nope/nothing/read"]}}, "policy.allow"),
        ({**CREATE_BODY, "policy": {"allow": "/twilio/monitor/events/list"}}, "policy.allow"),
        (
            {**CREATE_BODY, "policy": {"allow": ["/twilio/monitor/events/list"], "deny": ["bogus"]}},
            "policy.deny",
        ),
        ({**CREATE_BODY, "type": "authorization_code"}, "type"),
        ({**CREATE_BODY, "access_token_ttl": 59}, "access_token_ttl"),
        ({**CREATE_BODY, "access_token_ttl": 2_592_001}, "access_token_ttl"),
        ({**CREATE_BODY, "access_token_ttl": "an hour"}, "access_token_ttl"),
        ({**CREATE_BODY, "access_token_ttl": 90.5}, "access_token_ttl"),
        ({**CREATE_BODY, "access_token_ttl": True}, "access_token_ttl"),
        ({**CREATE_BODY, "accessTokenTtl": 30}, "access_token_ttl"),
        ({**CREATE_BODY, "client_sid": "OQ" + "0" * 32}, "client_sid"),
        ({**CREATE_BODY, "owner_sid": "AC" + "0" * 32}, "owner_sid"),
        ({**CREATE_BODY, "friendly_name": 12}, "friendly_name"),
    ],
)
def test_create_refuses_invalid_fields_with_400_naming_the_field(api, body, field):
    error = assert_twilio_error(api.post(APPS, body), 400)
    assert field in error["message"]
    assert field in error["details"]
    assert error["code"] == 20001


def test_more_than_100_permissions_are_refused(api):
    from scopes.catalog import get_catalog

    # No `*`: one would hold its resource's actions, and they would not count again.
    names = [permission.name for permission in get_catalog() if not permission.is_wildcard][:101]
    assert len(names) == 101
    error = assert_twilio_error(api.post(APPS, {**CREATE_BODY, "policy": {"allow": names}}), 400)
    assert "policy.allow" in error["message"] and "100" in error["message"]


@pytest.mark.parametrize(
    "body", ["[]", '"text"', "null", "12", "{", '{"friendly_name": NaN}', "[" * 5000 + "]" * 5000]
)
def test_malformed_json_is_400(api, body):
    assert_twilio_error(api.request("POST", APPS, body), 400)


def test_form_encoded_body_is_415(api):
    response = api.request("POST", APPS, "friendly_name=x", content_type="application/x-www-form-urlencoded")
    assert_twilio_error(response, 415)


def test_oversized_body_is_413(api):
    body = '{"friendly_name": "' + "x" * 70_000 + '"}'
    assert_twilio_error(api.request("POST", APPS, body), 413)


def test_list_pages_newest_first_with_a_meta_block(api, admin_app, account, member):
    for index in range(4):
        make_app(account, user=member.user, name=f"App {index}")
    first = api.get(APPS, {"PageSize": 2}).json()
    assert [app["friendly_name"] for app in first["apps"]] == ["App 3", "App 2"]
    meta = first["meta"]
    assert meta["key"] == "apps" and meta["page"] == 0 and meta["page_size"] == 2
    assert meta["previous_page_url"] is None
    assert meta["first_page_url"] == "http://testserver/v1/Account/OAuthApps?PageSize=2&Page=0"
    second = api.get(meta["next_page_url"]).json()
    assert [app["friendly_name"] for app in second["apps"]] == ["App 1", "App 0"]
    third = api.get(second["meta"]["next_page_url"]).json()
    assert [app["sid"] for app in third["apps"]] == [admin_app.app.client_id]
    assert third["meta"]["next_page_url"] is None and third["meta"]["page"] == 2
    back = api.get(third["meta"]["previous_page_url"]).json()
    assert [app["friendly_name"] for app in back["apps"]] == ["App 1", "App 0"]


def test_fetch_returns_the_app_without_its_secret(api, admin_app):
    body = api.get(f"{APPS}/{admin_app.app.client_id}").json()
    assert set(body) == RESOURCE_FIELDS
    assert body["friendly_name"] == "Automation"


def test_update_changes_only_the_fields_given(api, account, member):
    sid = make_app(account, user=member.user, name="Old", description="Keep me").app.client_id
    response = api.put(
        f"{APPS}/{sid}", {"friendly_name": "New", "policy": {"allow": ["/twilio/monitor/events/read"]}}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["friendly_name"] == "New" and body["description"] == "Keep me"
    assert body["policy"]["allow"] == ["/twilio/monitor/events/read"]
    event = AuditEvent.objects.get(resource_sid=sid, event_type="oauth-apps.updated")
    assert event.event_data["resource_properties"]["friendly_name"] == {"previous": "Old", "updated": "New"}
    assert event.source == "api"


def test_update_refuses_a_blank_name(api, admin_app):
    error = assert_twilio_error(api.put(f"{APPS}/{admin_app.app.client_id}", {"friendly_name": "  "}), 400)
    assert "friendly_name" in error["message"]


def test_delete_is_204_and_the_app_is_gone(api, account, member):
    sid = make_app(account, user=member.user).app.client_id
    response = api.delete(f"{APPS}/{sid}")
    assert response.status_code == 204 and response.content == b""
    assert_twilio_error(api.get(f"{APPS}/{sid}"), 404)
    assert_twilio_error(api.delete(f"{APPS}/{sid}"), 404)


def test_deleting_its_own_app_revokes_the_calling_token(api, admin_app):
    assert api.delete(f"{APPS}/{admin_app.app.client_id}").status_code == 204
    assert_twilio_error(api.get(APPS), 401)


def test_rotation_returns_a_new_secret_and_keeps_the_old_one_in_grace(api, account, member, client):
    issued = make_app(account, user=member.user)
    response = api.post(f"{APPS}/{issued.app.client_id}/Secret")
    assert response.status_code == 200, response.content
    new_secret = response.json()["secret"]
    assert new_secret != issued.secret and len(new_secret) == 64
    assert (
        ClientSecret.objects.filter(app=issued.app, expires_at__isnull=False, revoked_at__isnull=True).count()
        == 1
    )
    assert AuditEvent.objects.filter(
        resource_sid=issued.app.client_id, event_type="oauth-apps.secret-rotated"
    ).exists()


def test_rotation_can_revoke_the_previous_secret_now(api, account, member):
    issued = make_app(account, user=member.user)
    response = api.post(f"{APPS}/{issued.app.client_id}/Secret", {"revoke_previous": True})
    assert response.status_code == 200
    assert ClientSecret.objects.filter(app=issued.app, revoked_at__isnull=False).count() == 1


def test_rotation_with_revoke_previous_revokes_the_previous_secrets_tokens(api, account, member, client):
    issued = make_app(account, user=member.user)
    previous = Api(client, token_for(client, issued))
    assert previous.get(f"{APPS}/{issued.app.client_id}").status_code == 200
    assert api.post(f"{APPS}/{issued.app.client_id}/Secret", {"revoke_previous": True}).status_code == 200
    assert_twilio_error(previous.get(f"{APPS}/{issued.app.client_id}"), 401)


@pytest.mark.parametrize(
    ("method", "path", "permission"),
    [
        ("GET", APPS, "list"),
        ("POST", APPS, "create"),
        ("GET", f"{APPS}/{{sid}}", "read"),
        ("PUT", f"{APPS}/{{sid}}", "update"),
        ("DELETE", f"{APPS}/{{sid}}", "delete"),
        ("POST", f"{APPS}/{{sid}}/Secret", "update"),
    ],
)
def test_each_operation_needs_its_permission(client, account, member, method, path, permission):
    needed = f"/twilio/iam/account-oauth-apps/{permission}"
    others = [
        p
        for p in (
            f"/twilio/iam/account-oauth-apps/{a}" for a in ("create", "list", "read", "update", "delete")
        )
        if p != needed
    ]
    issued = make_app(account, user=member.user, scopes=others)
    api = Api(client, token_for(client, issued))
    response = api.request(method, path.format(sid=issued.app.client_id), "{}")
    error = assert_twilio_error(response, 403)
    assert needed in error["message"]
    assert (
        response["WWW-Authenticate"]
        == f'Bearer realm="oauth-apps", error="insufficient_scope", scope="{needed}"'
    )


def test_a_wildcard_permission_grants_every_action(client, account, member):
    issued = make_app(account, user=member.user, scopes=["/twilio/iam/account-oauth-apps/*"])
    api = Api(client, token_for(client, issued))
    assert api.get(APPS).status_code == 200
    iam_read = {**CREATE_BODY, "policy": {"allow": ["/twilio/iam/account-oauth-apps/read"]}}
    assert api.post(APPS, iam_read).status_code == 201
