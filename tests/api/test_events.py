"""Monitor v1 /v1/Events over HTTP: fields, every filter, and keyset paging."""

from datetime import UTC, datetime, timedelta

import pytest

from audit.models import AuditEvent
from tests.api.conftest import assert_twilio_error

pytestmark = pytest.mark.django_db

EVENTS = "/v1/Events"
EVENT_FIELDS = {
    "sid",
    "account_sid",
    "actor_sid",
    "actor_type",
    "event_type",
    "resource_type",
    "resource_sid",
    "source",
    "source_ip_address",
    "event_date",
    "event_data",
    "description",
    "url",
    "links",
}
BASE = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
# Events are append-only: tests add theirs in March 2025 and bound their queries to it,
# leaving out the "created" events their fixtures' apps recorded today.
MARCH = {"EndDate": "2025-03-31"}


def add_event(account, *, minutes=0, **fields) -> AuditEvent:
    values = {
        "event_type": "oauth-apps.updated",
        "actor_type": "user",
        "actor_sid": "US" + "1" * 32,
        "actor_label": "a@example.test",
        "source": "web",
        "source_ip_address": "198.51.100.7",
        "resource_sid": "OQ" + "2" * 32,
        "resource_name": "App",
        "description": "changed",
        "event_date": BASE + timedelta(minutes=minutes),
        **fields,
    }
    return AuditEvent.objects.create(account=account, **values)


def sids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [event["sid"] for event in response.json()["events"]]


def test_event_fields(api, account):
    event = add_event(
        account,
        event_data={
            "via": "console",
            "resource_properties": {"friendly_name": {"previous": "a", "updated": "b"}},
        },
    )
    body = api.get(f"{EVENTS}/{event.sid}").json()
    assert set(body) == EVENT_FIELDS
    assert body["account_sid"] == account.sid and body["event_date"] == "2025-03-01T12:00:00Z"
    assert body["event_data"]["resource_properties"] == {"friendly_name": {"previous": "a", "updated": "b"}}
    assert body["url"] == f"http://testserver{EVENTS}/{event.sid}"
    assert body["links"]["resource"] == f"http://testserver/v1/Account/OAuthApps/{'OQ' + '2' * 32}"


def test_an_event_written_in_the_earlier_shape_reads_in_twilios(api, account):
    event = add_event(
        account,
        actor_type="oauth-app",
        actor_sid="OQ" + "3" * 32,
        source="api",
        event_data={"previous": {"name": "a"}, "updated": {"name": "b"}},
    )
    body = api.get(f"{EVENTS}/{event.sid}").json()
    assert (body["source"], body["actor_type"], body["actor_sid"]) == ("api", "account", account.sid)
    assert body["event_data"]["resource_properties"] == {"friendly_name": {"previous": "a", "updated": "b"}}
    assert body["event_data"]["actor_app_sid"] == "OQ" + "3" * 32


def test_an_actor_without_a_sid_is_null(api, account):
    event = add_event(account, actor_type="system", actor_sid="", source="cli", source_ip_address=None)
    body = api.get(f"{EVENTS}/{event.sid}").json()
    assert body["actor_sid"] is None and body["source_ip_address"] is None


def test_api_changes_appear_as_events(api, admin_app):
    sid = api.post(
        "/v1/Account/OAuthApps", {"friendly_name": "X", "policy": {"allow": ["/twilio/monitor/events/list"]}}
    ).json()["sid"]
    events = api.get(EVENTS, {"ResourceSid": sid}).json()["events"]
    assert [(e["event_type"], e["source"], e["actor_type"], e["actor_sid"]) for e in events] == [
        ("oauth-apps.created", "api", "account", admin_app.app.account.sid)
    ]
    assert events[0]["event_data"]["actor_app_sid"] == admin_app.app.client_id
    assert events[0]["links"]["actor"].endswith(f"/v1/Events?ActorSid={admin_app.app.account.sid}")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"EventType": "oauth-apps.deleted"}, ["deleted"]),
        ({"ResourceSid": "OQ" + "9" * 32}, ["other-resource"]),
        ({"ActorSid": "US" + "8" * 32}, ["other-actor"]),
        ({"SourceIpAddress": "203.0.113.1"}, ["other-ip"]),
        ({"StartDate": "2025-03-01T12:03:00Z"}, ["late", "other-ip"]),
        ({"EndDate": "2025-03-01T12:00:59Z"}, ["deleted"]),
        (
            {"StartDate": "2025-03-01T12:01:00Z", "EndDate": "2025-03-01T12:02:00Z"},
            ["other-actor", "other-resource"],
        ),
        (
            {"StartDate": "2025-03-01", "EndDate": "2025-03-01"},
            ["late", "other-ip", "other-actor", "other-resource", "deleted"],
        ),
        ({"EndDate": "2025-02-28"}, []),
        ({"StartDate": "2025-03-01T13:03:00+01:00"}, ["late", "other-ip"]),
        # ISO 8601 allows offsets PostgreSQL does not (beyond ±15:59): compared in UTC.
        (
            {"StartDate": "2025-03-01T00:03:00-12:00", "EndDate": "2025-03-02T04:10:00+16:03"},
            ["late", "other-ip"],
        ),
        ({"EventType": "oauth-apps.deleted", "ActorSid": "US" + "8" * 32}, []),
    ],
)
def test_filters(api, account, params, expected):
    add_event(account, minutes=0, event_type="oauth-apps.deleted", description="deleted")
    add_event(account, minutes=1, resource_sid="OQ" + "9" * 32, description="other-resource")
    add_event(account, minutes=2, actor_sid="US" + "8" * 32, description="other-actor")
    add_event(account, minutes=3, source_ip_address="203.0.113.1", description="other-ip")
    add_event(account, minutes=4, description="late")
    events = api.get(EVENTS, {**MARCH, **params}).json()["events"]
    assert [event["description"] for event in events] == expected


@pytest.mark.parametrize("name", ["StartDate", "EndDate"])
@pytest.mark.parametrize("end", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00"])
def test_a_date_out_of_range_in_utc_is_a_400(api, account, end, name):
    response = api.get(EVENTS, {name: end})
    assert response.status_code == 400
    assert "out of range" in response.json()["message"]


def test_filters_are_repeated_in_every_link(api, account):
    for minute in range(3):
        add_event(account, minutes=minute)
    meta = api.get(EVENTS, {"EventType": "oauth-apps.updated", "PageSize": 1}).json()["meta"]
    for name in ("first_page_url", "url", "next_page_url"):
        assert "EventType=oauth-apps.updated" in meta[name] and "PageSize=1" in meta[name]


def test_default_page_size_is_50(api, account):
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                account=account,
                event_type="x",
                actor_type="user",
                source="web",
                resource_sid="r",
                description="d",
                event_date=BASE + timedelta(seconds=i),
            )
            for i in range(51)
        ]
    )
    body = api.get(EVENTS, {"EventType": "x"}).json()
    assert len(body["events"]) == 50 and body["meta"]["page_size"] == 50 and body["meta"]["next_page_url"]


def test_pages_cover_every_event_once_even_with_equal_dates(api, account):
    created = [add_event(account, minutes=i // 3) for i in range(10)]  # three events share each date
    seen, url, pages = [], f"{EVENTS}?PageSize=4&EndDate=2025-03-31", 0
    while url:
        body = api.get(url).json()
        assert body["meta"]["page"] == pages
        seen += [event["sid"] for event in body["events"]]
        url, pages = body["meta"]["next_page_url"], pages + 1
    assert pages == 3
    assert seen == [e.sid for e in sorted(created, key=lambda e: (e.event_date, e.pk), reverse=True)]


def test_paging_is_stable_under_concurrent_inserts(api, account):
    older = [add_event(account, minutes=i) for i in range(6)]
    first = api.get(EVENTS, {**MARCH, "PageSize": 3}).json()
    for minute in range(100, 105):
        add_event(account, minutes=minute)  # newer events (still in March) arrive while the client pages
    second = api.get(first["meta"]["next_page_url"]).json()
    expected = [e.sid for e in reversed(older)]
    assert [e["sid"] for e in first["events"]] + [e["sid"] for e in second["events"]] == expected


def test_previous_page_url_leads_back(api, account):
    for minute in range(5):
        add_event(account, minutes=minute)
    first = api.get(EVENTS, {**MARCH, "PageSize": 2})
    second = api.get(first.json()["meta"]["next_page_url"])
    back = api.get(second.json()["meta"]["previous_page_url"])
    assert sids(back) == sids(first)
    assert back.json()["meta"]["page"] == 0 and back.json()["meta"]["previous_page_url"] is None


def test_tampered_page_token_is_400(api, account):
    for minute in range(3):
        add_event(account, minutes=minute)
    next_url = api.get(EVENTS, {"PageSize": 1}).json()["meta"]["next_page_url"]
    error = assert_twilio_error(api.get(next_url.replace("PageToken=ey", "PageToken=ez")), 400)
    assert error["message"].startswith("PageToken:")


def test_page_size_1000_is_allowed(api):
    assert api.get(EVENTS, {"PageSize": 1000}).status_code == 200
