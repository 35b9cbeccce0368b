"""IAM v1 parity with Twilio: Token expiration time, grace period, camelCase bodies, paths."""

from datetime import timedelta

import jwt
import pytest

from audit.models import AuditEvent
from oauthapps.models import ClientSecret, OAuthApp
from oauthapps.server.secret_check import client_authenticate
from tests.api.conftest import assert_twilio_error, token_for
from tests.factories import make_app

pytestmark = pytest.mark.django_db

APPS = "/v1/Account/OAuthApps"
CREATE_BODY = {
    "friendly_name": "Invoices",
    "policy": {"allow": ["/twilio/monitor/events/list"]},
}
RANGE = "1 minute (60 seconds) to 30 days (2,592,000 seconds)"


def test_create_with_a_token_expiration_time_returns_it_on_every_read(api):
    created = api.post(APPS, {**CREATE_BODY, "access_token_ttl": 86400})
    assert created.status_code == 201, created.content
    sid = created.json()["sid"]
    assert created.json()["access_token_ttl"] == 86400
    assert api.get(f"{APPS}/{sid}").json()["access_token_ttl"] == 86400
    listed = {app["sid"]: app for app in api.get(APPS).json()["apps"]}
    assert listed[sid]["access_token_ttl"] == 86400


def test_create_without_a_token_expiration_time_gets_the_default(api, settings):
    settings.ACCESS_TOKEN_TTL_SECONDS = 1800
    assert api.post(APPS, CREATE_BODY).json()["access_token_ttl"] == 1800


@pytest.mark.parametrize("ttl", [59, 2_592_001, "an hour", 90.5, True, [3600]])
def test_an_out_of_range_or_non_integer_ttl_is_a_400_naming_the_range(api, ttl):
    error = assert_twilio_error(api.post(APPS, {**CREATE_BODY, "access_token_ttl": ttl}), 400)
    assert "access_token_ttl" in error["details"]
    assert RANGE in error["message"]
    assert not OAuthApp.objects.filter(name="Invoices").exists()


def test_update_changes_the_ttl_of_tokens_issued_afterwards(api, client, account, member):
    issued = make_app(account, user=member.user)
    response = api.put(f"{APPS}/{issued.app.client_id}", {"access_token_ttl": 300})
    assert response.status_code == 200, response.content
    assert response.json()["access_token_ttl"] == 300
    claims = jwt.decode(token_for(client, issued), options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 300
    event = AuditEvent.objects.get(event_type="oauth-apps.updated", resource_sid=issued.app.client_id)
    assert "access_token_ttl" in str(event.event_data)


def test_update_refuses_an_out_of_range_ttl(api, account, member):
    issued = make_app(account, user=member.user)
    error = assert_twilio_error(api.put(f"{APPS}/{issued.app.client_id}", {"access_token_ttl": 0}), 400)
    assert RANGE in error["message"]
    issued.app.refresh_from_db()
    assert issued.app.access_token_ttl == 3600


# twilio-node 6.x's typed request objects (twilio/twilio-node#1190).


def test_camel_case_create_body_is_understood(api, account):
    body = {
        "friendlyName": "Node app",
        "description": "From twilio-node",
        "type": "client_credentials",
        "policy": {"allow": ["/twilio/monitor/events/list"], "deny": []},
        "accessTokenTtl": 600,
        "ownerSid": account.sid,
        "tokenEndpointAuthMethod": "client_secret_post",
    }
    response = api.post(APPS, body)
    assert response.status_code == 201, response.content
    assert response.json()["friendly_name"] == "Node app"
    assert response.json()["access_token_ttl"] == 600


def test_camel_case_update_body_changes_the_name(api, account, member):
    issued = make_app(account, user=member.user)
    response = api.put(f"{APPS}/{issued.app.client_id}", {"friendlyName": "Renamed", "accessTokenTtl": 120})
    assert response.status_code == 200, response.content
    issued.app.refresh_from_db()
    assert (issued.app.name, issued.app.access_token_ttl) == ("Renamed", 120)


def test_camel_case_owner_sid_of_another_account_is_refused(api, other_account):
    error = assert_twilio_error(api.post(APPS, {**CREATE_BODY, "ownerSid": other_account.sid}), 400)
    assert "owner_sid" in error["details"]


def test_an_unknown_key_is_a_400_naming_it(api, account, member):
    issued = make_app(account, user=member.user)
    error = assert_twilio_error(api.put(f"{APPS}/{issued.app.client_id}", {"FriendlyName": "Renamed"}), 400)
    assert "FriendlyName" in error["details"]
    assert "friendly_name" in error["message"]
    issued.app.refresh_from_db()
    assert issued.app.name == "Billing sync"


def test_an_unknown_key_inside_the_policy_is_a_400_naming_it(api):
    body = {**CREATE_BODY, "policy": {"allow": ["/twilio/monitor/events/list"], "allowed": ["x"]}}
    error = assert_twilio_error(api.post(APPS, body), 400)
    assert "policy.allowed" in error["details"]


def test_both_spellings_of_one_field_are_refused(api):
    error = assert_twilio_error(api.post(APPS, {**CREATE_BODY, "friendlyName": "Other"}), 400)
    assert "friendly_name" in error["details"]


# Rotation: grace period and the two-secret rule.


def rotate(api, app, body=None, path="Secret"):
    return api.post(f"{APPS}/{app.client_id}/{path}", body)


def previous_secret(issued) -> ClientSecret:
    return ClientSecret.objects.get(app=issued.app, replaced_at__isnull=False, expires_at__isnull=False)


@pytest.mark.parametrize("key", ["grace_period", "gracePeriod"])
def test_rotation_takes_a_grace_period_in_seconds(api, account, member, key):
    issued = make_app(account, user=member.user)
    assert rotate(api, issued.app, {key: 7200}).status_code == 200
    previous = previous_secret(issued)
    assert previous.expires_at - previous.replaced_at == timedelta(hours=2)


def test_rotation_with_a_zero_grace_period_stops_the_old_secret_at_once(api, account, member):
    issued = make_app(account, user=member.user)
    assert rotate(api, issued.app, {"grace_period": 0}).status_code == 200
    assert client_authenticate(client_id=issued.app.client_id, secret=issued.secret) is None


def test_rotation_without_a_grace_period_uses_the_default(api, account, member, settings):
    issued = make_app(account, user=member.user)
    assert rotate(api, issued.app).status_code == 200
    previous = previous_secret(issued)
    assert previous.expires_at - previous.replaced_at == timedelta(seconds=settings.SECRET_GRACE_SECONDS)


@pytest.mark.parametrize("grace", [-1, 2_592_001, "a day", 1.5])
def test_rotation_refuses_a_grace_period_out_of_range(api, account, member, grace):
    issued = make_app(account, user=member.user)
    error = assert_twilio_error(rotate(api, issued.app, {"grace_period": grace}), 400)
    assert "grace_period" in error["details"]
    assert "30 days" in error["message"]
    assert ClientSecret.objects.filter(app=issued.app).count() == 1


def test_rotation_refuses_an_unknown_key(api, account, member):
    issued = make_app(account, user=member.user)
    error = assert_twilio_error(rotate(api, issued.app, {"grace": 0}), 400)
    assert "grace" in error["details"]


def test_lower_case_secret_path_rotates_like_the_upper_case_one(api, account, member):
    issued = make_app(account, user=member.user)
    response = rotate(api, issued.app, {"grace_period": 60}, path="secret")
    assert response.status_code == 200, response.content
    assert len(response.json()["secret"]) == 64
    assert previous_secret(issued).expires_at - previous_secret(issued).replaced_at == timedelta(seconds=60)


def test_rotating_twice_leaves_two_valid_secrets_and_records_the_ended_one(api, account, member):
    issued = make_app(account, user=member.user)
    second = rotate(api, issued.app).json()["secret"]
    third = rotate(api, issued.app).json()["secret"]
    client_id = issued.app.client_id
    assert client_authenticate(client_id=client_id, secret=issued.secret) is None
    assert client_authenticate(client_id=client_id, secret=second) is not None
    assert client_authenticate(client_id=client_id, secret=third) is not None
    assert (
        AuditEvent.objects.filter(event_type="oauth-apps.secret-expired", resource_sid=client_id).count() == 1
    )
