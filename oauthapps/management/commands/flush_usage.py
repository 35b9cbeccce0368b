"""Write the client secret uses recorded in Redis to ``ClientSecret.last_used_at``.

Run it every minute (cron, a systemd timer, a Kubernetes CronJob; docs/usage.md). It is
idempotent and safe to run from several hosts at once; without Redis it does nothing (the
token path then writes the row itself).
"""

from django.core.management.base import BaseCommand

from oauthapps.server.usage import usage_flush


class Command(BaseCommand):
    help = "Write the client secret uses recorded in Redis to the database (run it every minute)."

    def handle(self, *args, **options):
        written = usage_flush()
        self.stdout.write(f"Secrets whose last use was written: {written}")
