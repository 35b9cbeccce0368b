"""Delete audit events older than AUDIT_RETENTION_DAYS (default ~13 months), in batches."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from audit.models import AuditEvent
from audit.retention import audit_events_purge


class Command(BaseCommand):
    help = "Apply audit retention. Schedule it daily (cron or a systemd timer); see docs/operations.md."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Override AUDIT_RETENTION_DAYS.")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be deleted.")

    def handle(self, *args, **options):
        days = options["days"] or settings.AUDIT_RETENTION_DAYS
        before = timezone.now() - timedelta(days=days)
        if options["dry_run"]:
            count = AuditEvent.objects.filter(event_date__lt=before).count()
            self.stdout.write(f"{count} audit event(s) older than {days} days would be deleted.")
            return
        deleted = audit_events_purge(before=before, batch_size=options["batch_size"])
        self.stdout.write(f"Deleted {deleted} audit event(s) older than {days} days.")
