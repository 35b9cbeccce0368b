"""Monitor v1 events read like the rest of the API: filters by whole seconds (StartDate and
EndDate inclusive), times as YYYY-MM-DDTHH:MM:SSZ and durations as integer seconds in
event_data (events stored earlier included), and links.actor naming actor_sid's actor."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from audit.chain import chain_breaks
from audit.models import AuditEvent
from audit.receivers import append_event
from oauthapps import services
from tests.api.test_events import EVENTS, add_event, sids
from tests.factories import web_actor

pytestmark = pytest.mark.django_db

WIRE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
WITH_MILLISECONDS = datetime(2025, 3, 1, 20, 14, 56, 345_678, tzinfo=UTC)


def test_end_date_equal_to_an_events_own_event_date_includes_it(api, account):
    event = add_event(account, event_date=WITH_MILLISECONDS)
    shown = api.get(f"{EVENTS}/{event.sid}").json()["event_date"]
    assert shown == "2025-03-01T20:14:56Z"
    assert sids(api.get(EVENTS, {"EndDate": shown})) == [event.sid]
    assert sids(api.get(EVENTS, {"StartDate": shown, "EndDate": shown})) == [event.sid]


def test_start_date_is_inclusive_at_whole_seconds(api, account):
    event = add_event(account, event_date=WITH_MILLISECONDS)
    assert sids(api.get(EVENTS, {"StartDate": "2025-03-01T20:14:56Z", "EndDate": "2025-03-31"})) == [
        event.sid
    ]
    assert sids(api.get(EVENTS, {"StartDate": "2025-03-01T20:14:57Z", "EndDate": "2025-03-31"})) == []
    assert sids(api.get(EVENTS, {"StartDate": "2025-03-01", "EndDate": "2025-03-01T20:14:55Z"})) == []


def test_a_date_time_with_an_offset_names_its_whole_second_too(api, account):
    event = add_event(account, event_date=WITH_MILLISECONDS)
    assert sids(api.get(EVENTS, {"StartDate": "2025-03-01", "EndDate": "2025-03-01T22:14:56+02:00"})) == [
        event.sid
    ]


def test_a_rotation_writes_whole_seconds_and_zulu_times(api, app, member):
    services.oauth_app_secret_rotate(
        app=app, actor=web_actor(member.user), grace_period=timedelta(days=30), revoke_previous=False
    )
    stored = AuditEvent.objects.filter(event_type="oauth-apps.secret-rotated").get()
    assert stored.event_data["details"] == {"grace_period": 2_592_000}
    assert WIRE_TIME.match(stored.event_data["secret"]["created_at"])
    body = api.get(f"{EVENTS}/{stored.sid}").json()
    assert body["event_data"]["details"]["grace_period"] == 2_592_000
    assert WIRE_TIME.match(body["event_data"]["secret"]["created_at"])


def test_events_stored_in_the_old_value_shape_read_in_the_new_and_keep_their_chain(api, account):
    old_data = {
        "via": "console",
        "secret": {
            "hint": "…xwke",
            "created_at": "2025-03-01T20:14:56.345678+00:00",
            "expires_at": "2025-03-31T20:14:56.345678+00:00",
        },
        "details": {"grace_period": "30 days, 0:00:00"},
    }
    event = append_event(
        account_id=account.pk,
        event_type="oauth-apps.secret-rotated",
        actor_type="user",
        actor_sid="US" + "1" * 32,
        source="web",
        resource_sid="OQ" + "2" * 32,
        resource_name="App",
        event_data=old_data,
    )

    body = api.get(f"{EVENTS}/{event.sid}").json()
    assert body["event_data"]["details"] == {"grace_period": 2_592_000}
    assert body["event_data"]["secret"] == {
        "hint": "…xwke",
        "created_at": "2025-03-01T20:14:56Z",
        "expires_at": "2025-03-31T20:14:56Z",
    }
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.event_data == old_data  # as written: read in the new shape, never rewritten
    assert list(chain_breaks(account)) == []


@pytest.mark.parametrize(
    ("written", "seconds"), [("0:00:00", 0), ("1 day, 0:00:00", 86400), ("3:00:00", 10800)]
)
def test_old_grace_periods_read_as_seconds(api, account, written, seconds):
    event = add_event(account, event_data={"via": "console", "details": {"grace_period": written}})
    assert api.get(f"{EVENTS}/{event.sid}").json()["event_data"]["details"]["grace_period"] == seconds


def test_links_actor_names_the_account_of_an_api_call(api, admin_app):
    sid = api.post(
        "/v1/Account/OAuthApps", {"friendly_name": "X", "policy": {"allow": ["/twilio/monitor/events/list"]}}
    ).json()["sid"]
    [event] = api.get(EVENTS, {"ResourceSid": sid}).json()["events"]
    account_sid = admin_app.app.account.sid
    assert event["actor_sid"] == account_sid
    assert event["links"]["actor"] == f"http://testserver{EVENTS}?ActorSid={account_sid}"
    assert event["event_data"]["actor_app_sid"] == admin_app.app.client_id
    followed = api.get(event["links"]["actor"].removeprefix("http://testserver"))
    assert followed.status_code == 200
    assert {e["actor_sid"] for e in followed.json()["events"]} == {account_sid}


def test_links_actor_names_the_user_and_is_left_out_without_a_sid(api, account):
    user_event = add_event(account)
    assert (
        api.get(f"{EVENTS}/{user_event.sid}")
        .json()["links"]["actor"]
        .endswith(f"?ActorSid={'US' + '1' * 32}")
    )
    system = add_event(account, actor_type="system", actor_sid="", source="cli")
    assert "actor" not in api.get(f"{EVENTS}/{system.sid}").json()["links"]
