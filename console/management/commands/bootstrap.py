"""First start: create the default account and its owner; the apps add their own first-start data."""

from django.conf import settings
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
        site_bootstrapped.send(sender=self.__class__, write=self.stdout.write)
        if result is not None and result.generated_password:
            # Printed once, on the operator's terminal, by design (docs/domain.md, "Running it"),
            # last and framed, so that install and migration output does not bury it.
            self.stdout.write(
                self.style.WARNING(first_login_box(result.owner.email, result.generated_password))
            )


def first_login_box(email: str, password: str) -> str:
    """Where to log in, as whom, and the generated password, in a frame."""
    lines = [
        f"Open {settings.OAUTH_ISSUER}/login/ and log in:",
        f"  Email     {email}",
        f"  Password  {password}",
        "The password is shown only this once; change it after logging in.",
    ]
    width = max(len(line) for line in lines)
    rule = "+" + "-" * (width + 2) + "+"
    return "\n".join([rule, *(f"| {line.ljust(width)} |" for line in lines), rule])
