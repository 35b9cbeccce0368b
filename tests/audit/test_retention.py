"""Retention in batches keeps the chain verifiable; export as JSON lines and CSV."""

import csv
import io
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.chain import chain_breaks, event_digest
from audit.models import AuditEvent, ChainAnchor
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

EVENTS = 3000


def chained_events(account, count: int, start, step=timedelta(minutes=5)) -> list[AuditEvent]:
    """``count`` events one ``step`` apart, chained exactly as the receiver chains them."""
    events, previous = [], ""
    for i in range(count):
        event = AuditEvent(
            account=account,
            event_type="oauth-apps.updated",
            event_date=start + i * step,
            actor_type="user",
            actor_sid="US" + "0" * 32,
            actor_label="ops@example.test",
            source="web",
            source_ip_address="10.0.0.1",
            resource_sid="OQ" + f"{i:032x}",
            resource_name=f"app {i}",
            event_data={"n": i},
            description=f"event {i}",
            previous_hash=previous,
        )
        event.chain_hash = previous = event_digest(event, account.sid, previous)
        events.append(event)
    return AuditEvent.objects.bulk_create(events, batch_size=1000)


@pytest.fixture
def history():
    account = AccountFactory()
    start = timezone.now() - timedelta(days=400)
    chained_events(account, EVENTS, start, step=timedelta(minutes=(400 * 24 * 60) // EVENTS))
    return account


def test_purge_removes_old_events_in_batches_and_the_chain_still_verifies(history, settings):
    old = AuditEvent.objects.filter(
        event_date__lt=timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    )
    expected = old.count()
    assert 0 < expected < EVENTS
    out = StringIO()
    call_command("audit_purge", "--batch-size", "250", stdout=out)
    assert f"Deleted {expected}" in out.getvalue()
    assert AuditEvent.objects.count() == EVENTS - expected
    assert ChainAnchor.objects.get(account=history).chain_hash
    assert list(chain_breaks(history)) == []
    call_command("audit_verify", stdout=StringIO())


def test_purge_dry_run_deletes_nothing(history):
    out = StringIO()
    call_command("audit_purge", "--dry-run", stdout=out)
    assert "would be deleted" in out.getvalue()
    assert AuditEvent.objects.count() == EVENTS


def test_export_jsonl_for_a_time_range(history, tmp_path):
    start = (timezone.now() - timedelta(days=100)).isoformat()
    end = (timezone.now() - timedelta(days=50)).isoformat()
    target = tmp_path / "events.jsonl"
    call_command("audit_export", "--start", start, "--end", end, "--output", str(target))
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    expected = AuditEvent.objects.filter(event_date__gte=start, event_date__lt=end).count()
    assert len(rows) == expected > 0
    assert rows[0]["account_sid"] == history.sid and rows[0]["event_data"]["n"] >= 0
    assert [r["event_date"] for r in rows] == sorted(r["event_date"] for r in rows)


def test_export_csv_to_stdout(history):
    out = StringIO()
    call_command("audit_export", "--format", "csv", "--account", history.sid, stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == EVENTS
    assert json.loads(rows[0]["event_data"]) == {"n": 0}


def test_export_refuses_a_bad_date():
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("audit_export", "--start", "last tuesday", stdout=StringIO())
