"""Verify every account's audit hash chain; exit status 1 when any link is broken."""

from django.core.management.base import BaseCommand, CommandError

from audit.chain import chain_breaks
from console.models import Account


class Command(BaseCommand):
    help = "Check that no audit event was changed, removed or inserted (per-account hash chains)."

    def add_arguments(self, parser):
        parser.add_argument("--account", help="Only this account SID (AC…).")

    def handle(self, *args, **options):
        accounts = Account.objects.order_by("id")
        if options["account"]:
            accounts = accounts.filter(sid=options["account"])
        broken = 0
        for account in accounts:
            for problem in chain_breaks(account):
                broken += 1
                self.stderr.write(f"{problem.account_sid} {problem.event_sid}: {problem.reason}")
        if broken:
            raise CommandError(f"Audit chain broken in {broken} place(s).")
        self.stdout.write(f"Audit chains intact for {accounts.count()} account(s).")
