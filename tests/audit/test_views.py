"""Audit pages: newest first, filters, pagination, details of an update, account isolation."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.selectors import audit_event_list
from console.models import Role
from oauthapps.services import oauth_app_secret_rotate, oauth_app_update
from tests.factories import AccountFactory, MembershipFactory, make_app, web_actor

pytestmark = pytest.mark.django_db

LIST = reverse("audit:list")


@pytest.fixture
def admin_client(client, member):
    client.force_login(member.user)
    return client


def detail(event):
    return reverse("audit:detail", kwargs={"sid": event.sid})


def test_audit_requires_login(client, app):
    event = AuditEvent.objects.get()
    for page in [LIST, detail(event)]:
        response = client.get(page)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_list_shows_events_newest_first_with_columns(admin_client, app):
    oauth_app_update(app=app, actor=web_actor(app.created_by), name="Renamed")
    body = admin_client.get(LIST).content.decode()
    rows = body[body.index("<tbody>") :]
    assert rows.index("oauth-apps.updated") < rows.index("oauth-apps.created")
    for column in ["Date", "Event type", "App", "Actor", "Source", "IP address"]:
        assert f">{column}</th>" in body
    assert "127.0.0.1" in body and app.created_by.email in body


def test_read_only_member_sees_audit(account, app):
    reader = MembershipFactory(account=account, role=Role.READ_ONLY)
    client = Client()
    client.force_login(reader.user)
    assert client.get(LIST).status_code == 200
    assert client.get(detail(AuditEvent.objects.get())).status_code == 200


def test_filters_by_event_type_app_and_actor(admin_client, account, app, member):
    other = make_app(account, name="Other app", user=MembershipFactory(account=account).user).app
    oauth_app_secret_rotate(app=app, actor=web_actor(member.user))
    by_type = admin_client.get(LIST, {"event_type": "oauth-apps.secret-rotated"}).context["events"]
    assert [e.event_type for e in by_type] == ["oauth-apps.secret-rotated"]
    by_app = admin_client.get(LIST, {"app": other.client_id}).context["events"]
    assert {e.resource_sid for e in by_app} == {other.client_id}
    by_actor = admin_client.get(LIST, {"actor": member.user.sid}).context["events"]
    assert {e.actor_sid for e in by_actor} == {member.user.sid} and len(by_actor) == 2


def test_filters_by_date_range(admin_client, app):
    today = timezone.now().date()
    assert len(admin_client.get(LIST, {"start": today, "end": today}).context["events"]) == 1
    tomorrow = today + timedelta(days=1)
    assert len(admin_client.get(LIST, {"start": tomorrow}).context["events"]) == 0
    response = admin_client.get(LIST, {"start": tomorrow, "end": today})
    assert "on or after the start date" in response.content.decode()


def test_backwards_date_range_shows_only_the_date_error(admin_client, app):
    today = timezone.now().date()
    body = admin_client.get(LIST, {"start": today + timedelta(days=1), "end": today}).content.decode()
    assert "on or after the start date" in body
    assert "No events match" not in body


def test_app_filter_names_apps_as_they_are_called_now(admin_client, app):
    oauth_app_update(app=app, actor=web_actor(app.created_by), name="Zebra ledger")
    oauth_app_update(app=app, actor=web_actor(app.created_by), name="Aardvark ledger")
    choices = dict(admin_client.get(LIST).context["form"].fields["app"].choices)
    assert choices[app.client_id] == f"Aardvark ledger ({app.client_id})"


def test_pages_older_events_by_keyset_without_counting(admin_client, app, django_assert_max_num_queries):
    for number in range(30):
        oauth_app_update(app=app, actor=web_actor(app.created_by), name=f"Name {number}")
    first = admin_client.get(LIST, {"event_type": "oauth-apps.updated"})
    assert len(first.context["events"]) == 25 and first.context["older"]
    body = first.content.decode()
    assert "COUNT(" not in str(first.context.get("sql", "")) and "Page 1 of" not in body
    assert "event_type=oauth-apps.updated&amp;before=" in body
    second = admin_client.get(LIST, {"event_type": "oauth-apps.updated", "before": first.context["older"]})
    assert len(second.context["events"]) == 5 and second.context["older"] is None
    assert not {e.pk for e in first.context["events"]} & {e.pk for e in second.context["events"]}
    assert 'rel="first"' in second.content.decode()


def test_list_page_runs_no_count_and_no_distinct(admin_client, app):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(LIST).status_code == 200
    audit_queries = [
        q["sql"].upper() for q in queries.captured_queries if "AUDIT_AUDITEVENT" in q["sql"].upper()
    ]
    assert audit_queries and not any("COUNT(" in q or "DISTINCT" in q for q in audit_queries)


@pytest.mark.parametrize(
    "cursor",
    [
        "yesterday~x",
        "2025-01-01T00:00:00~1",
        "2025-01-01T00:00:00+23:00~1",
        "0001-01-01T00:00:00+01:00~1",
        "~",
    ],
)
def test_a_mangled_cursor_shows_the_newest_page(admin_client, app, cursor):
    response = admin_client.get(LIST, {"before": cursor})
    assert response.status_code == 200 and len(response.context["events"]) <= 1


@pytest.mark.parametrize(
    ("zone", "dates"),
    [
        ("Asia/Tokyo", {"start": "0001-01-01"}),  # midnight in Tokyo is in year 0 in UTC
        ("America/New_York", {"end": "9999-12-31"}),  # the day's end is in year 10000 in UTC
        ("Asia/Tokyo", {"start": "0001-01-01", "end": "9999-12-31"}),
    ],
)
def test_a_filter_date_beyond_what_the_database_holds_bounds_nothing(
    admin_client, app, settings, zone, dates
):
    # On SQLite the adapter converts to UTC and overflowed (a 500); PostgreSQL took it.
    settings.TIME_ZONE = zone
    response = admin_client.get(LIST, dates)
    assert response.status_code == 200
    assert len(response.context["events"]) == 1


def test_the_selector_treats_an_unstorable_moment_as_no_bound(account, app):
    from datetime import datetime as moment
    from datetime import timezone as tz

    early = moment(1, 1, 1, 0, 30, tzinfo=tz(timedelta(hours=1)))
    late = moment(9999, 12, 31, 23, 0, tzinfo=tz(timedelta(hours=-5)))
    assert audit_event_list(account=account, start=early, end=late).count() == 1


def test_a_far_offset_cursor_is_read_in_utc(admin_client, app):
    response = admin_client.get(LIST, {"before": "9999-12-31T23:00:00+23:00~1"})
    assert response.status_code == 200 and len(response.context["events"]) == 1


def test_filter_choices_come_from_apps_and_members(admin_client, account, app, member):
    form = admin_client.get(LIST).context["form"]
    assert (app.client_id, f"{app.name} ({app.client_id})") in form.fields["app"].choices
    assert (member.user.sid, member.user.email) in form.fields["actor"].choices
    assert account.sid in dict(form.fields["actor"].choices)


def test_a_deleted_apps_history_stays_reachable_by_its_sid(admin_client, app, member):
    from oauthapps.services import oauth_app_delete

    oauth_app_delete(app=app, actor=web_actor(member.user))
    events = admin_client.get(LIST, {"app": app.client_id}).context["events"]
    assert {e.event_type for e in events} == {"oauth-apps.created", "oauth-apps.deleted"}


def test_detail_shows_previous_and_updated_values(admin_client, app):
    oauth_app_update(
        app=app,
        actor=web_actor(app.created_by),
        name="Renamed",
        scopes=["/twilio/iam/account-oauth-apps/read", "/twilio/voice/calls/read"],
    )
    event = AuditEvent.objects.get(event_type="oauth-apps.updated")
    body = admin_client.get(detail(event)).content.decode()
    assert "What changed" in body and "Billing sync" in body and "Renamed" in body
    assert '/twilio/voice/calls/read</code> <span class="visually-hidden">(added)' in body
    assert '/twilio/monitor/events/list</code> <span class="visually-hidden">(removed)' in body


def test_other_accounts_event_is_404_and_not_listed(admin_client, app):
    foreign = make_app(AccountFactory(), name="Foreign app").app
    event = AuditEvent.objects.get(resource_sid=foreign.client_id)
    assert admin_client.get(detail(event)).status_code == 404
    assert foreign.client_id not in admin_client.get(LIST).content.decode()
    assert len(admin_client.get(LIST, {"app": foreign.client_id}).context["events"]) == 0


def test_selector_filters_and_orders(account, app):
    later = timezone.now() + timedelta(seconds=1)
    oauth_app_update(app=app, actor=web_actor(app.created_by), name="Renamed")
    events = audit_event_list(account=account)
    assert [e.event_type for e in events] == ["oauth-apps.updated", "oauth-apps.created"]
    assert audit_event_list(account=account, end=later - timedelta(days=1)).count() == 0
    assert (
        audit_event_list(account=account, resource_sid=app.client_id, event_type="oauth-apps.created").count()
        == 1
    )
    assert audit_event_list(account=AccountFactory()).count() == 0
