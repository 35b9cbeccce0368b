"""First start: create the default account and its owner; the apps add their own first-start data."""

from django.core.management.base import BaseCommand

from console.services import bootstrap_default_account
from console.signals import site_bootstrapped


class Command(BaseCommand):
    help = "Create the default account and its owner (ADMIN_EMAIL / ADMIN_PASSWORD) if none exists."

    def handle(self, *args, **options):
        result = bootstrap_default_account()
        if result is None:
            self.stdout.write("Bootstrap: an account already exists; nothing to do.")
        else:
            self.stdout.write(
                f"Bootstrap: created account {result.account.sid} owned by {result.owner.email}."
            )
            if result.generated_password:
                # Printed once, on the operator's terminal, by design (docs/domain.md, "Running it").
                self.stdout.write(
                    self.style.WARNING(
                        f"Generated console password for {result.owner.email}: {result.generated_password}\n"
                        "It is shown only this once; change it after signing in."
                    )
                )
        site_bootstrapped.send(sender=self.__class__, write=self.stdout.write)
