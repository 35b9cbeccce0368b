"""Audit events (``AE…``): who changed which OAuth app, when, from where, and how."""

import uuid
from functools import partial

from django.conf import settings
from django.db import models
from django.utils import timezone

from console.models import Account
from console.sids import new_sid


class AppendOnly(Exception):
    """Audit events are never changed or deleted by the application."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("Audit events are append-only; they cannot be updated.")

    def delete(self):
        raise AppendOnly("Audit events are append-only; they cannot be deleted.")


class AuditEvent(models.Model):
    """One recorded change. Written in the transaction of the change; never updated.

    Events are chained per account: ``chain_hash`` is an HMAC (AUDIT_CHAIN_KEY) of the
    event's content and the previous event's ``chain_hash``, so a changed, removed or
    inserted row breaks the chain (``manage.py audit_verify``). On PostgreSQL a trigger also
    refuses UPDATE, and DELETE of anything a retention anchor does not cover.
    """

    sid = models.CharField(max_length=34, unique=True, editable=False, default=partial(new_sid, "AE"))
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="audit_events")
    event_type = models.CharField(max_length=64)
    event_date = models.DateTimeField(default=timezone.now)
    actor_type = models.CharField(max_length=16)
    actor_sid = models.CharField(max_length=34, blank=True)
    actor_label = models.CharField(max_length=254, blank=True)
    source = models.CharField(max_length=8)
    source_ip_address = models.GenericIPAddressField(null=True, blank=True)
    resource_type = models.CharField(max_length=32, default="oauth-app")
    resource_sid = models.CharField(max_length=34)
    resource_name = models.CharField(max_length=255, blank=True)
    event_data = models.JSONField(default=dict, blank=True)
    description = models.CharField(max_length=500)
    previous_hash = models.CharField(max_length=64, blank=True)
    chain_hash = models.CharField(max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-event_date", "-id"]
        # One index per Monitor filter, each ending in the list order (newest first), so a
        # filtered page is one index range read in order, however many events the account has.
        indexes = [
            models.Index(fields=["account", "-event_date", "-id"], name="auditevent_account_date"),
            models.Index(
                fields=["account", "resource_sid", "-event_date", "-id"], name="auditevent_account_resource"
            ),
            models.Index(
                fields=["account", "event_type", "-event_date", "-id"], name="auditevent_account_type"
            ),
            models.Index(
                fields=["account", "actor_sid", "-event_date", "-id"], name="auditevent_account_actor"
            ),
            models.Index(
                fields=["account", "source_ip_address", "-event_date", "-id"], name="auditevent_account_ip"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.resource_sid} ({self.sid})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnly("Audit events are append-only; they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Audit events are append-only; they cannot be deleted.")

    @property
    def channel(self) -> str:
        """console, admin, api or cli: finer than Twilio's ``source`` (audit/events.py)."""
        from audit.events import channel

        return channel(self)


class ChainAnchor(models.Model):
    """Where an account's chain starts after retention removed its oldest events: the
    ``chain_hash`` of the last removed event, which the first kept event points to.

    Signed with AUDIT_CHAIN_KEY by the purge command (audit/chain.py). On PostgreSQL the
    trigger lets a DELETE through only for events this anchor covers, so removing events
    means writing an anchor, and only the key holder can write one that verifies.
    """

    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="audit_chain_anchor")
    chain_hash = models.CharField(max_length=64)
    purged_through = models.DateTimeField()
    purged_through_event_id = models.BigIntegerField(null=True)
    signature = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"Audit chain anchor of {self.account.sid}"


class ExportStatus(models.TextChoices):
    RUNNING = "running", "Being prepared"
    READY = "ready", "Ready to download"
    FAILED = "failed", "Failed"


class AuditExport(models.Model):
    """A download of audit events, written to a file in the background (audit/exports.py),
    so that an export of any size finishes regardless of the web server's request timeout.
    The UUID is the only handle: it is not guessable, and it is looked up within the account."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="audit_exports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    fmt = models.CharField(max_length=8)
    filters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=ExportStatus.choices, default=ExportStatus.RUNNING)
    rows = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Audit export {self.id} of {self.account_id} ({self.status})"
