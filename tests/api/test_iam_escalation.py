"""No escalation through the IAM API: an app creates, updates or rotates an app only when
that app's effective permissions are within the caller's own (Kubernetes RBAC's rule)."""

import pytest

from audit.models import AuditEvent
from oauthapps.models import ClientSecret, OAuthApp
from tests.api.conftest import Api, assert_twilio_error, token_for
from tests.factories import make_app

pytestmark = pytest.mark.django_db

APPS = "/v1/Account/OAuthApps"
CREATE = "/twilio/iam/account-oauth-apps/create"
UPDATE = "/twilio/iam/account-oauth-apps/update"
MONITOR_LIST = "/twilio/monitor/events/list"
BROAD = ["/twilio/iam/account-oauth-apps/*", "/twilio/messaging/messages/*"]


def api_of(client, account, member, scopes) -> Api:
    issued = make_app(account, user=member.user, name="Limited", scopes=scopes)
    return Api(client, token_for(client, issued))


def body(allow, deny=()):
    return {"friendly_name": "Made by an app", "policy": {"allow": list(allow), "deny": list(deny)}}


def test_create_of_a_broader_app_is_403_naming_what_the_caller_lacks(client, account, member):
    api = api_of(client, account, member, [CREATE])
    response = api.post(APPS, body(BROAD))
    error = assert_twilio_error(response, 403)
    assert "/twilio/iam/account-oauth-apps/delete" in error["message"]
    assert "/twilio/messaging/messages/create" in error["message"]
    assert CREATE not in error["message"].split("lacks:", 1)[1]
    assert "secret" not in response.json()
    assert not OAuthApp.objects.filter(name="Made by an app").exists()
    assert not AuditEvent.objects.filter(event_type="oauth-apps.created", actor_sid__startswith="OQ").exists()


def test_create_within_the_callers_permissions_is_allowed(client, account, member):
    api = api_of(client, account, member, [CREATE, MONITOR_LIST])
    assert api.post(APPS, body([MONITOR_LIST])).status_code == 201
    assert api.post(APPS, body([CREATE, MONITOR_LIST])).status_code == 201


def test_a_deny_narrows_the_created_app_into_the_callers_permissions(client, account, member):
    api = api_of(client, account, member, [CREATE, "/twilio/iam/account-oauth-apps/read"])
    allow = ["/twilio/iam/account-oauth-apps/*"]
    deny = [f"/twilio/iam/account-oauth-apps/{action}" for action in ("list", "update", "delete")]
    assert api.post(APPS, body(allow, deny)).status_code == 201
    assert_twilio_error(api.post(APPS, body(allow, deny[:2])), 403)


def test_a_wildcard_caller_may_create_the_wildcards_actions(client, account, member):
    api = api_of(client, account, member, ["/twilio/iam/account-oauth-apps/*"])
    assert api.post(APPS, body(["/twilio/iam/account-oauth-apps/read"])).status_code == 201
    assert api.post(APPS, body(["/twilio/iam/account-oauth-apps/*"])).status_code == 201


def test_a_token_requested_with_fewer_scopes_limits_what_it_may_grant(client, account, member):
    issued = make_app(account, user=member.user, scopes=[CREATE, MONITOR_LIST])
    api = Api(client, token_for(client, issued, scope=CREATE))
    assert_twilio_error(api.post(APPS, body([MONITOR_LIST])), 403)


def test_an_app_with_update_cannot_widen_its_own_policy(client, account, member):
    issued = make_app(account, user=member.user, scopes=[UPDATE])
    api = Api(client, token_for(client, issued))
    response = api.put(f"{APPS}/{issued.app.client_id}", {"policy": {"allow": [UPDATE, *BROAD]}})
    error = assert_twilio_error(response, 403)
    assert "/twilio/messaging/messages/delete" in error["message"]
    issued.app.refresh_from_db()
    assert issued.app.scopes == [UPDATE]
    assert not AuditEvent.objects.filter(event_type="oauth-apps.updated").exists()


def test_an_app_with_update_cannot_edit_a_broader_app(client, account, member):
    broader = make_app(account, user=member.user, name="Broad", scopes=BROAD)
    api = api_of(client, account, member, [UPDATE])
    assert_twilio_error(api.put(f"{APPS}/{broader.app.client_id}", {"friendly_name": "Mine now"}), 403)
    broader.app.refresh_from_db()
    assert broader.app.name == "Broad"


def test_an_app_with_update_may_narrow_an_app_within_its_own_permissions(client, account, member):
    issued = make_app(account, user=member.user, scopes=[UPDATE, MONITOR_LIST])
    api = Api(client, token_for(client, issued))
    response = api.put(f"{APPS}/{issued.app.client_id}", {"policy": {"allow": [UPDATE]}})
    assert response.status_code == 200, response.content


def test_an_app_with_update_cannot_rotate_a_broader_apps_secret(client, account, member):
    broader = make_app(account, user=member.user, name="Broad", scopes=BROAD)
    api = api_of(client, account, member, [UPDATE])
    response = api.post(f"{APPS}/{broader.app.client_id}/Secret")
    error = assert_twilio_error(response, 403)
    assert "/twilio/messaging/messages/read" in error["message"]
    assert "secret" not in response.json()
    assert ClientSecret.objects.filter(app=broader.app).count() == 1
    assert not AuditEvent.objects.filter(event_type="oauth-apps.secret-rotated").exists()


def test_an_app_may_rotate_the_secret_of_an_app_within_its_permissions(client, account, member):
    narrower = make_app(account, user=member.user, name="Narrow", scopes=[MONITOR_LIST])
    api = api_of(client, account, member, [UPDATE, MONITOR_LIST])
    assert api.post(f"{APPS}/{narrower.app.client_id}/Secret").status_code == 200


def test_the_callers_current_policy_bounds_an_older_token(client, account, member):
    """Narrowing the calling app takes effect at once, not when its tokens expire."""
    issued = make_app(account, user=member.user, scopes=[CREATE, MONITOR_LIST])
    api = Api(client, token_for(client, issued))
    issued.app.scopes = [CREATE]
    issued.app.save(update_fields=["scopes"])
    assert_twilio_error(api.post(APPS, body([MONITOR_LIST])), 403)


@pytest.mark.parametrize(
    "operation_id", ["CreateOAuthApp", "UpdateOAuthApp", "RotateOAuthAppSecret", "DeleteOAuthApp"]
)
def test_the_openapi_text_states_the_rule(client, operation_id):
    document = client.get("/v1/openapi.json").json()
    operations = [op for item in document["paths"].values() for op in item.values()]
    (operation,) = [op for op in operations if op.get("operationId") == operation_id]
    assert "403 naming the permissions the caller lacks" in operation["description"]


# --- lateral writes: updating or deleting an app needs every effective permission of it -------

DELETE = "/twilio/iam/account-oauth-apps/delete"
MESSAGING = ["/twilio/messaging/messages/*", UPDATE]


def test_an_app_with_update_cannot_narrow_a_stronger_app(client, account, member):
    stronger = make_app(account, user=member.user, name="Strong", scopes=MESSAGING)
    api = api_of(client, account, member, [UPDATE, DELETE])
    response = api.put(f"{APPS}/{stronger.app.client_id}", {"policy": {"allow": [UPDATE]}})
    error = assert_twilio_error(response, 403)
    assert "/twilio/messaging/messages/create" in error["message"]
    stronger.app.refresh_from_db()
    assert stronger.app.scopes == MESSAGING
    assert not AuditEvent.objects.filter(event_type="oauth-apps.updated").exists()


def test_an_app_with_delete_cannot_delete_a_stronger_app(client, account, member):
    stronger = make_app(account, user=member.user, name="Strong", scopes=MESSAGING)
    api = api_of(client, account, member, [UPDATE, DELETE])
    error = assert_twilio_error(api.delete(f"{APPS}/{stronger.app.client_id}"), 403)
    assert "/twilio/messaging/messages/delete" in error["message"]
    assert UPDATE not in error["message"].split("lacks:", 1)[1]
    assert OAuthApp.objects.filter(pk=stronger.app.pk).exists()
    assert not AuditEvent.objects.filter(event_type="oauth-apps.deleted").exists()


def test_an_app_may_delete_an_app_within_its_permissions(client, account, member):
    narrower = make_app(account, user=member.user, name="Narrow", scopes=[MONITOR_LIST])
    api = api_of(client, account, member, [DELETE, MONITOR_LIST])
    assert api.delete(f"{APPS}/{narrower.app.client_id}").status_code == 204
    assert not OAuthApp.objects.filter(pk=narrower.app.pk).exists()


def test_a_console_manager_may_delete_any_app(client, account, member):
    from django.urls import reverse

    stronger = make_app(account, user=member.user, name="Strong", scopes=MESSAGING)
    client.force_login(member.user)
    response = client.post(reverse("oauthapps:delete", args=[stronger.app.client_id]))
    assert response.status_code in (302, 303), response.content
    assert not OAuthApp.objects.filter(pk=stronger.app.pk).exists()
