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


def test_pagination(admin_client, app):
    for number in range(30):
        oauth_app_update(app=app, actor=web_actor(app.created_by), name=f"Name {number}")
    first = admin_client.get(LIST)
    assert len(first.context["events"]) == 25 and "Page 1 of 2" in first.content.decode()
    second = admin_client.get(LIST, {"page": 2, "event_type": "oauth-apps.updated"})
    assert len(second.context["events"]) == 5
    assert "event_type=oauth-apps.updated&amp;page=1" in second.content.decode()


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


def test_export_downloads_the_filtered_events_of_this_account_only(client, issued, member):
    import csv
    import io
    import json

    from tests.factories import make_app

    make_app(name="Elsewhere")  # another account's events must not leak into the file
    client.force_login(member.user)
    response = client.get("/console/audit/export.jsonl", {"event_type": "oauth-apps.created"})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    rows = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert [r["resource_sid"] for r in rows] == [issued.app.client_id]
    assert rows[0]["account_sid"] == issued.app.account.sid
    response = client.get("/console/audit/export.csv")
    table = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {row["account_sid"] for row in table} == {issued.app.account.sid}
    assert client.get("/console/audit/export.xml").status_code == 404
