"""First start: the JWT signing key that ``manage.py bootstrap`` leaves to this app."""

from oauthapps.models import SigningKey
from oauthapps.server.signing_keys import signing_key_create


def create_first_signing_key(sender, *, write, **kwargs) -> None:
    """Receiver of ``console.signals.site_bootstrapped``; idempotent like the bootstrap."""
    if not SigningKey.objects.filter(retired_at__isnull=True).exists():
        key = signing_key_create()
        write(f"Bootstrap: created {key.algorithm} signing key {key.kid}.")
