"""Events in Twilio's Monitor shape: source, actor_type, actor_sid and resource_properties,
for every channel; events written in the earlier shape still read the same way."""

from datetime import timedelta

import pytest
from django.urls import reverse

from audit.events import AppUpdated, monitor_view
from audit.models import AuditEvent
from audit.receivers import append_event
from console.actors import Actor, Source
from oauthapps import services
from tests.factories import make_app, web_actor

pytestmark = pytest.mark.django_db


def last_event(event_type: str = "oauth-apps.updated") -> AuditEvent:
    return AuditEvent.objects.filter(event_type=event_type).latest("id")


def test_console_user_is_a_user_with_a_us_sid_from_the_web(app, member):
    services.oauth_app_update(app=app, actor=web_actor(member.user), name="Renamed")
    event = last_event()
    assert member.user.sid.startswith("US")
    assert (event.source, event.actor_type, event.actor_sid) == ("web", "user", member.user.sid)
    assert event.event_data["via"] == "console"


def test_django_admin_is_twilio_admin_from_the_web(app, member):
    staff = Actor.for_user(member.user, Source.ADMIN, "127.0.0.1")
    services.oauth_app_update(app=app, actor=staff, name="Renamed")
    event = last_event()
    assert (event.source, event.actor_type, event.actor_sid, event.channel) == (
        "web",
        "twilio-admin",
        member.user.sid,
        "admin",
    )


def test_an_api_call_is_the_account_with_the_calling_app_in_event_data(app):
    caller = make_app(app.account, name="Automation").app
    services.oauth_app_update(
        app=app,
        actor=Actor.for_app(caller, "203.0.113.9"),
        name="Renamed",
        caller_permissions=frozenset(app.scopes),  # through the API, within the caller's own
    )
    event = last_event()
    assert (event.source, event.actor_type, event.actor_sid) == ("api", "account", app.account.sid)
    assert event.event_data["actor_app_sid"] == caller.client_id and event.channel == "api"


def test_the_command_line_is_twilio_admin_from_twilio(app):
    services.oauth_app_update(app=app, actor=Actor.system(), name="Renamed")
    event = last_event()
    assert (event.source, event.actor_type, event.actor_sid, event.channel) == (
        "twilio",
        "twilio-admin",
        "",
        "cli",
    )


def test_updated_events_carry_resource_properties_by_api_field_name(app, member):
    services.oauth_app_update(
        app=app,
        actor=web_actor(member.user),
        name="Renamed",
        description="New text",
        scopes=["/twilio/monitor/events/read"],
    )
    properties = last_event().event_data["resource_properties"]
    assert properties["friendly_name"] == {"previous": "Billing sync", "updated": "Renamed"}
    assert properties["description"] == {"previous": "Syncs invoices", "updated": "New text"}
    assert properties["policy"] == {
        "previous": {
            "allow": ["/twilio/iam/account-oauth-apps/read", "/twilio/monitor/events/list"],
            "deny": [],
        },
        "updated": {"allow": ["/twilio/monitor/events/read"], "deny": []},
    }


def test_a_field_without_an_api_alias_keeps_its_name(app):
    change = AppUpdated(
        app=app, actor=None, previous={"access_token_ttl": 3600}, updated={"access_token_ttl": 60}
    )
    assert change.resource_properties() == {"access_token_ttl": {"previous": 3600, "updated": 60}}


def test_a_rotation_records_its_grace_period_in_details(app, member):
    # Where events written before the payloads were typed hold it: read the same way.
    services.oauth_app_secret_rotate(app=app, actor=web_actor(member.user), grace_period=timedelta(0))
    assert last_event("oauth-apps.secret-rotated").event_data["details"] == {"grace_period": 0}


def old_shape_event(account, **fields) -> AuditEvent:
    """An event as releases before the Twilio shape wrote it."""
    values = {
        "event_type": "oauth-apps.updated",
        "actor_type": "oauth-app",
        "actor_sid": "OQ" + "a" * 32,
        "actor_label": "Automation",
        "source": "api",
        "source_ip_address": "198.51.100.7",
        "resource_sid": "OQ" + "b" * 32,
        "resource_name": "Renamed",
        "event_data": {
            "previous": {"name": "Old", "scopes": ["/twilio/voice/calls/read"]},
            "updated": {"name": "Renamed", "scopes": ["/twilio/voice/calls/list"]},
        },
        "description": "OAuth app 'Renamed' updated by Automation via api",
        **fields,
    }
    return append_event(account_id=account.pk, **values)


def test_an_old_api_event_reads_in_the_twilio_shape(account):
    view = monitor_view(old_shape_event(account))
    assert (view["source"], view["actor_type"], view["actor_sid"]) == ("api", "account", account.sid)
    assert view["event_data"]["actor_app_sid"] == "OQ" + "a" * 32
    assert view["event_data"]["resource_properties"] == {
        "friendly_name": {"previous": "Old", "updated": "Renamed"},
        "policy": {
            "previous": {"allow": ["/twilio/voice/calls/read"]},
            "updated": {"allow": ["/twilio/voice/calls/list"]},
        },
    }


@pytest.mark.parametrize(
    ("source", "actor_type", "expected"),
    [
        ("admin", "user", ("web", "twilio-admin", "admin")),
        ("cli", "system", ("twilio", "twilio-admin", "cli")),
        ("web", "user", ("web", "user", "console")),
    ],
)
def test_old_sources_and_actor_types_map_to_twilios(account, source, actor_type, expected):
    event = old_shape_event(account, source=source, actor_type=actor_type, event_data={})
    view = monitor_view(event)
    assert (view["source"], view["actor_type"], event.channel) == expected


def test_an_old_event_reads_on_the_console_page(client, account, member):
    event = old_shape_event(account)
    client.force_login(member.user)
    page = client.get(reverse("audit:detail", kwargs={"sid": event.sid})).content.decode()
    assert "What changed" in page and "Old" in page and "/twilio/voice/calls/list" in page
