"""Verify every account's audit chain, print each chain's head; exit status 1 when any
link is broken or an expected head is gone."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.chain import ChainHead, chain_breaks, chain_head, missing_heads
from console.models import Account


class Command(BaseCommand):
    help = (
        "Check that no audit event was changed, removed or inserted (per-account keyed chains), "
        "and print each account's chain head. Keep the heads outside the database and pass them "
        "back with --expect-heads to detect events cut from the end."
    )

    def add_arguments(self, parser):
        parser.add_argument("--account", help="Only this account SID (AC…).")
        parser.add_argument(
            "--expect-heads",
            metavar="FILE",
            help="Heads printed by an earlier run ('head AC… AE… HASH DATE' lines; other lines ignored).",
        )

    def handle(self, *args, **options):
        accounts = list(Account.objects.order_by("id"))
        if options["account"]:
            accounts = [account for account in accounts if account.sid == options["account"]]
        problems = [problem for account in accounts for problem in chain_breaks(account)]
        if options["expect_heads"]:
            lines = Path(options["expect_heads"]).read_text(encoding="utf-8").splitlines()
            heads = [head for head in map(ChainHead.parse, lines) if head is not None]
            problems += list(missing_heads(heads, accounts))
        for problem in problems:
            self.stderr.write(f"{problem.account_sid} {problem.event_sid}: {problem.reason}")
        for account in accounts:
            head = chain_head(account)
            if head is not None:
                self.stdout.write(head.line())
        if problems:
            raise CommandError(f"Audit chain broken in {len(problems)} place(s).")
        self.stdout.write(f"Audit chains intact for {len(accounts)} account(s).")
