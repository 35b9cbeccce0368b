"""Staff automation: create an account with its owner. Prints JSON."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from console.services import account_create


class Command(BaseCommand):
    help = "Manage accounts: create --name NAME --owner-email EMAIL [--owner-password P]."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("--name", required=True)
        create.add_argument("--owner-email", required=True)
        create.add_argument("--owner-password")

    def handle(self, *args, action, **options):
        try:
            account, generated = account_create(
                name=options["name"],
                owner_email=options["owner_email"],
                owner_password=options["owner_password"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        data = {"sid": account.sid, "name": account.name, "owner_email": options["owner_email"]}
        if generated:
            data["owner_password"] = generated  # shown once, to the operator who asked
        self.stdout.write(json.dumps(data, indent=2))
