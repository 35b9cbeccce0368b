"""A token of account A can neither see nor change account B's apps or events, whatever SID it tries."""

import pytest

from audit.models import AuditEvent
from oauthapps.models import OAuthApp
from tests.api.conftest import assert_twilio_error

pytestmark = pytest.mark.django_db

APPS = "/v1/Account/OAuthApps"


@pytest.fixture
def foreign(other_app):
    """Account B's app and one of its events."""
    event = AuditEvent.objects.filter(account=other_app.app.account).first()
    assert event is not None
    return other_app.app, event


def test_another_accounts_app_is_404_for_every_operation(api, foreign):
    app, _ = foreign
    path = f"{APPS}/{app.client_id}"
    assert_twilio_error(api.get(path), 404)
    assert_twilio_error(api.put(path, {"friendly_name": "Hijacked"}), 404)
    assert_twilio_error(api.post(f"{path}/Secret"), 404)
    assert_twilio_error(api.delete(path), 404)
    app.refresh_from_db()
    assert app.name == "Other's app"
    assert app.secrets.count() == 1


def test_the_404_is_the_same_as_for_a_sid_that_never_existed(api, foreign):
    app, _ = foreign
    foreign_body = api.get(f"{APPS}/{app.client_id}").json()
    unknown_sid = "OQ" + "f" * 32
    unknown_body = api.get(f"{APPS}/{unknown_sid}").json()
    assert foreign_body["code"] == unknown_body["code"]
    assert foreign_body["message"].replace(app.client_id, unknown_sid) == unknown_body["message"]


def test_another_accounts_apps_are_not_listed(api, foreign):
    app, _ = foreign
    listed = [a["sid"] for a in api.get(APPS, {"PageSize": 1000}).json()["apps"]]
    assert app.client_id not in listed and listed


def test_another_accounts_event_is_404_and_never_listed(api, foreign):
    app, event = foreign
    assert_twilio_error(api.get(f"/v1/Events/{event.sid}"), 404)
    for params in ({}, {"ResourceSid": app.client_id}, {"ActorSid": event.actor_sid}, {"PageSize": 1000}):
        events = api.get("/v1/Events", params).json()["events"]
        assert all(e["account_sid"] != app.account.sid for e in events)
        assert event.sid not in [e["sid"] for e in events]


def test_creating_in_another_account_is_refused(api, other_account):
    body = {
        "friendly_name": "X",
        "policy": {"allow": ["/twilio/monitor/events/list"]},
        "owner_sid": other_account.sid,
    }
    error = assert_twilio_error(api.post(APPS, body), 400)
    assert "owner_sid" in error["message"]
    assert not OAuthApp.objects.filter(account=other_account, name="X").exists()


def test_a_page_token_from_another_account_is_refused(client, api, other_app, other_account):
    from tests.api.conftest import EVERYTHING, Api, token_for
    from tests.factories import MembershipFactory, make_app

    user = MembershipFactory(account=other_account).user
    b_admin = make_app(other_account, user=user, scopes=EVERYTHING)
    make_app(other_account, user=user)
    b_api = Api(client, token_for(client, b_admin))
    next_url = b_api.get(APPS, {"PageSize": 1}).json()["meta"]["next_page_url"]
    assert_twilio_error(api.get(next_url), 400)
