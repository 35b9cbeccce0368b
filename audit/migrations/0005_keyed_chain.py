"""Key the audit chain with AUDIT_CHAIN_KEY and sign retention anchors.

Events written before this migration were chained with plain SHA-256, which anyone who can
write the table can recompute. This migration re-keys them with the key of the process that
runs it (production refuses to start with the development key, so a production `migrate`
uses the production key). Only links that held under SHA-256 are carried over: an event
whose content or link was already broken keeps its old values, so `audit_verify` still
reports it after the migration instead of the re-keying laundering it.

On PostgreSQL the trigger no longer honours ``audit.allow_purge`` (any session could set
it): a DELETE goes through only for events a retention anchor covers.
"""

import hashlib
import hmac
import json

from django.conf import settings
from django.db import migrations, models

# Frozen copies: the digests as they were at this migration, whatever audit/chain.py becomes.
CHAINED_FIELDS = (
    "sid",
    "event_type",
    "actor_type",
    "actor_sid",
    "actor_label",
    "source",
    "source_ip_address",
    "resource_type",
    "resource_sid",
    "resource_name",
    "event_data",
    "description",
)


def _canonical(event, account_sid: str, previous_hash: str) -> bytes:
    content = {field: getattr(event, field) for field in CHAINED_FIELDS}
    content["account_sid"] = account_sid
    content["event_date"] = event.event_date.isoformat()
    content["previous_hash"] = previous_hash
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str).encode()


def legacy_digest(event, account_sid: str, previous_hash: str) -> str:
    return hashlib.sha256(_canonical(event, account_sid, previous_hash)).hexdigest()


def keyed_digest(event, account_sid: str, previous_hash: str) -> str:
    key = settings.AUDIT_CHAIN_KEY.encode()
    return hmac.new(key, _canonical(event, account_sid, previous_hash), hashlib.sha256).hexdigest()


def anchor_signature(account_sid: str, chain_hash: str, purged_through, through_id: int) -> str:
    message = f"anchor|{account_sid}|{chain_hash}|{purged_through.isoformat()}|{through_id}"
    return hmac.new(settings.AUDIT_CHAIN_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()


def rekey_account(AuditEvent, ChainAnchor, account, connection) -> None:
    """Re-chain one account's events under the key, keeping every existing break."""
    anchor = ChainAnchor.objects.filter(account=account).first()
    old_previous = new_previous = anchor.chain_hash if anchor else ""
    updates = []
    first_id = None
    for event in AuditEvent.objects.filter(account=account).order_by("id").iterator(chunk_size=2000):
        first_id = first_id or event.pk
        link_held = event.previous_hash == old_previous
        content_held = event.chain_hash == legacy_digest(event, account.sid, event.previous_hash)
        old_previous = event.chain_hash
        previous = new_previous if link_held else event.previous_hash
        chain_hash = keyed_digest(event, account.sid, previous) if content_held else event.chain_hash
        updates.append((previous, chain_hash, event.pk))
        new_previous = chain_hash
    if updates:
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE audit_auditevent SET previous_hash = %s, chain_hash = %s WHERE id = %s", updates
            )
    if anchor is not None:
        anchor.purged_through_event_id = (first_id - 1) if first_id else 0
        anchor.signature = anchor_signature(
            account.sid, anchor.chain_hash, anchor.purged_through, anchor.purged_through_event_id
        )
        anchor.save(update_fields=["purged_through_event_id", "signature"])


def _set_trigger(connection, enabled: bool) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            state = "ENABLE" if enabled else "DISABLE"
            cursor.execute(f"ALTER TABLE audit_auditevent {state} TRIGGER audit_event_append_only")


def rekey(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    ChainAnchor = apps.get_model("audit", "ChainAnchor")
    Account = apps.get_model("console", "Account")
    connection = schema_editor.connection
    _set_trigger(connection, enabled=False)
    for account in Account.objects.filter(audit_events__isnull=False).distinct().order_by("id"):
        rekey_account(AuditEvent, ChainAnchor, account, connection)
    _set_trigger(connection, enabled=True)


TRIGGER = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    -- Retention: the purge command first writes the account's anchor (signed with a key the
    -- database does not hold; audit_verify checks it), then deletes the prefix it covers.
    IF TG_OP = 'DELETE' AND EXISTS (
        SELECT 1 FROM audit_chainanchor AS anchor
        WHERE anchor.account_id = OLD.account_id AND OLD.id <= anchor.purged_through_event_id
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % on audit_auditevent refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

PREVIOUS_TRIGGER = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('audit.allow_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % on audit_auditevent refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def replace_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER, params=None)


def restore_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS_TRIGGER, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_chain_anchor"), ("console", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="chainanchor",
            name="purged_through_event_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="chainanchor",
            name="signature",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RunPython(rekey, migrations.RunPython.noop),
        migrations.RunPython(replace_trigger, restore_trigger),
    ]
