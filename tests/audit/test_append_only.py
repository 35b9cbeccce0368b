"""The audit log is append-only and hash-chained per account."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit.models import AppendOnly, AuditEvent
from oauthapps import services
from tests.factories import make_app, web_actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(issued, member):
    actor = web_actor(member.user)
    services.oauth_app_update(app=issued.app, actor=actor, name="Renamed")
    services.oauth_app_secret_rotate(app=issued.app, actor=actor)
    return list(AuditEvent.objects.order_by("id"))


def test_application_cannot_update_or_delete_events(events):
    event = events[0]
    event.description = "rewritten"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(description="rewritten")
    with pytest.raises(AppendOnly):
        AuditEvent.objects.all().delete()


def test_events_are_chained(events):
    assert events[0].previous_hash == ""
    for before, after in zip(events, events[1:], strict=False):
        assert after.previous_hash == before.chain_hash
    assert len({e.chain_hash for e in events}) == len(events)


def test_chains_are_per_account(events, db):
    other = make_app(name="Elsewhere")
    first_of_other = AuditEvent.objects.get(account=other.app.account)
    assert first_of_other.previous_hash == ""


def test_audit_verify_passes_on_an_intact_log(events):
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "intact" in out.getvalue()


def raw_sql(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def tamper(sql, params):
    """Change the table behind the application's back, as a database owner could."""
    if connection.vendor != "postgresql":
        return raw_sql(sql, params)
    with transaction.atomic():
        raw_sql("SET CONSTRAINTS ALL IMMEDIATE", None)  # flush pending FK checks before ALTER
        raw_sql("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only", None)
        raw_sql(sql, params)
        raw_sql("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only", None)


def test_audit_verify_detects_tampering(events):
    tamper("UPDATE audit_auditevent SET description = %s WHERE id = %s", ["nothing happened", events[1].pk])
    with pytest.raises(CommandError, match="broken"):
        call_command("audit_verify", stdout=StringIO(), stderr=StringIO())


def test_audit_verify_detects_a_removed_event(events):
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    with pytest.raises(CommandError):
        call_command("audit_verify", stdout=StringIO(), stderr=StringIO())


@pytest.mark.postgres
def test_postgresql_refuses_update_and_delete(events):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    for sql in (
        "UPDATE audit_auditevent SET description = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            raw_sql(sql, [events[0].pk])
    assert AuditEvent.objects.count() == len(events)
