"""Attacks on the audit trail by someone who can write the database but does not hold
AUDIT_CHAIN_KEY: each must be refused by PostgreSQL or reported by ``audit_verify``."""

import hashlib
import importlib
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.chain import CHAINED_FIELDS
from audit.models import AuditEvent, ChainAnchor
from tests.audit.test_retention import chained_events
from tests.factories import AccountFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")


@pytest.fixture
def account():
    account = AccountFactory()
    # 40 events over the last 400 days: the oldest are past the retention period.
    chained_events(account, 40, timezone.now() - timedelta(days=400), step=timedelta(days=10))
    return account


def sql(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def as_table_owner(statement: str, params=None):
    """Write behind the application's back with the trigger off, as a database owner can."""
    with transaction.atomic():
        sql("SET CONSTRAINTS ALL IMMEDIATE")
        sql("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        sql(statement, params)
        sql("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def verify(*args: str) -> str:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit_verify", *args, stdout=out, stderr=err)
    except CommandError as exc:
        raise CommandError(f"{exc}\n{err.getvalue()}") from exc
    return out.getvalue()


def newest(account, count: int = 1) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(account=account).order_by("-id")[:count])


def test_a_session_cannot_delete_the_newest_events_by_setting_a_variable(account):
    target = newest(account)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        sql("SET LOCAL audit.allow_purge = 'on'")
        sql("DELETE FROM audit_auditevent WHERE id = %s", [target.pk])
    assert AuditEvent.objects.filter(pk=target.pk).exists()


def test_deleting_under_an_anchor_written_without_the_key_is_reported(account):
    target = newest(account)[0]
    ChainAnchor.objects.create(
        account=account,
        chain_hash=target.previous_hash,
        purged_through=target.event_date,
        purged_through_event_id=target.pk,
        signature="0" * 64,
    )
    sql("DELETE FROM audit_auditevent WHERE id = %s", [target.pk])  # the trigger lets it by
    assert not AuditEvent.objects.filter(pk=target.pk).exists()
    with pytest.raises(CommandError, match="signature"):
        verify()


def test_a_forged_anchor_cannot_hide_deleted_history(account):
    """Delete the ten oldest events (some still within retention) and point a forged
    anchor at the last deleted one, as the old code's anchor allowed."""
    oldest = list(AuditEvent.objects.filter(account=account).order_by("id")[:30])
    as_table_owner("DELETE FROM audit_auditevent WHERE id <= %s", [oldest[-1].pk])
    ChainAnchor.objects.create(
        account=account,
        chain_hash=oldest[-1].chain_hash,
        purged_through=oldest[-1].event_date,
        purged_through_event_id=oldest[-1].pk,
        signature="f" * 64,
    )
    with pytest.raises(CommandError, match="broken"):
        verify()


def _plain_sha256(event: AuditEvent, account_sid: str, previous_hash: str) -> str:
    """The chain as the attacker can compute it: everything is in the table but the key."""
    content = {field: getattr(event, field) for field in CHAINED_FIELDS}
    content["account_sid"] = account_sid
    content["event_date"] = event.event_date.isoformat()
    content["previous_hash"] = previous_hash
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def test_a_rewritten_event_with_a_recomputed_chain_is_detected(account):
    events = list(AuditEvent.objects.filter(account=account).order_by("id"))
    previous = events[-6].chain_hash
    for event in events[-5:]:
        event.description = "nothing happened"
        event.previous_hash = previous
        event.chain_hash = previous = _plain_sha256(event, account.sid, previous)
        as_table_owner(
            "UPDATE audit_auditevent SET description = %s, previous_hash = %s, chain_hash = %s WHERE id = %s",
            [event.description, event.previous_hash, event.chain_hash, event.pk],
        )
    with pytest.raises(CommandError, match="broken"):
        verify()


def test_the_purge_command_keeps_the_chain_verifiable(account):
    call_command("audit_purge", "--batch-size", "7", stdout=StringIO())
    anchor = ChainAnchor.objects.get(account=account)
    assert anchor.purged_through < timezone.now() - timedelta(days=396)
    assert "intact" in verify()


def test_purging_what_the_retention_period_still_covers_is_reported(account):
    call_command("audit_purge", "--days", "30", stdout=StringIO())
    with pytest.raises(CommandError, match="retention"):
        verify()


def test_verify_prints_each_accounts_chain_head(account):
    head = newest(account)[0]
    assert f"head {account.sid} {head.sid} {head.chain_hash}" in verify()


def test_expected_heads_catch_a_truncated_tail(account, tmp_path):
    heads = tmp_path / "heads.txt"
    heads.write_text(verify())
    assert "intact" in verify("--expect-heads", str(heads))
    as_table_owner("DELETE FROM audit_auditevent WHERE id = %s", [newest(account)[0].pk])
    assert "intact" in verify()  # without an external head, a cut tail looks like a shorter log
    with pytest.raises(CommandError, match="head"):
        verify("--expect-heads", str(heads))


def test_expected_heads_accept_a_log_that_grew(account, tmp_path):
    heads = tmp_path / "heads.txt"
    heads.write_text(verify())
    chained_after = newest(account)[0]
    from audit.receivers import append_event

    with transaction.atomic():
        append_event(
            account_id=account.pk,
            event_type="oauth-apps.deleted",
            actor_type="twilio-admin",
            source="twilio",
            resource_sid="OQ" + "1" * 32,
            description="later",
        )
    assert newest(account)[0].previous_hash == chained_after.chain_hash
    assert "intact" in verify("--expect-heads", str(heads))


# Events written before the chain was keyed: the migration re-keys them.
keyed_chain = importlib.import_module("audit.migrations.0005_keyed_chain")


def legacy_events(account, count: int) -> list[AuditEvent]:
    """Events chained with plain SHA-256, as releases before the keyed chain wrote them."""
    events = chained_events(account, count, timezone.now() - timedelta(days=10), step=timedelta(hours=1))
    previous = ""
    for event in events:
        event.previous_hash = previous
        event.chain_hash = previous = keyed_chain.legacy_digest(event, account.sid, previous)
        as_table_owner(
            "UPDATE audit_auditevent SET previous_hash = %s, chain_hash = %s WHERE id = %s",
            [event.previous_hash, event.chain_hash, event.pk],
        )
    return events


def rekey(account) -> None:
    with transaction.atomic():
        keyed_chain._set_trigger(connection, enabled=False)
        keyed_chain.rekey_account(AuditEvent, ChainAnchor, account, connection)
        keyed_chain._set_trigger(connection, enabled=True)


def test_events_chained_the_old_way_verify_once_the_migration_re_keyed_them():
    account = AccountFactory()
    legacy_events(account, 12)
    with pytest.raises(CommandError, match="broken"):
        verify()  # plain SHA-256 is not accepted as the keyed chain
    rekey(account)
    assert "intact" in verify()


def test_re_keying_does_not_launder_an_event_changed_before_the_migration():
    account = AccountFactory()
    events = legacy_events(account, 12)
    as_table_owner("UPDATE audit_auditevent SET description = 'nothing' WHERE id = %s", [events[5].pk])
    rekey(account)
    with pytest.raises(CommandError, match=events[5].sid):
        verify()
