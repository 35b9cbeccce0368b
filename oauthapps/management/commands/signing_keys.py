"""Create, rotate, retire and list the JWT signing keys."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from oauthapps.models import SigningKey
from oauthapps.server.signing_keys import SUPPORTED_ALGORITHMS, signing_key_create, signing_key_retire


class Command(BaseCommand):
    help = (
        "Manage JWT signing keys. 'rotate' creates a new key that signs from now on and retires the old "
        "ones; a retired key stays in the JWKS until every token it signed has expired."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="Every key with its state.")
        create = sub.add_parser("create", help="Add a key; the newest unretired key signs.")
        create.add_argument("--algorithm", choices=SUPPORTED_ALGORITHMS, default=None)
        rotate = sub.add_parser("rotate", help="Create a new key and retire all others.")
        rotate.add_argument("--algorithm", choices=SUPPORTED_ALGORITHMS, default=None)
        retire = sub.add_parser(
            "retire", help="Stop signing with a key (it stays published until its tokens expire)."
        )
        retire.add_argument("kid")

    def handle(self, *args, action, **options):
        if action == "list":
            return self._print([self._describe(key) for key in SigningKey.objects.all()])
        if action == "retire":
            if not SigningKey.objects.filter(kid=options["kid"]).exists():
                raise CommandError(f"No signing key {options['kid']}.")
            return self._print(self._describe(signing_key_retire(kid=options["kid"])))
        key = signing_key_create(algorithm=options["algorithm"] or settings.JWT_SIGNING_ALGORITHM)
        if action == "rotate":
            for old in SigningKey.objects.filter(retired_at__isnull=True).exclude(pk=key.pk):
                signing_key_retire(kid=old.kid)
        return self._print(self._describe(key))

    def _print(self, data) -> None:
        self.stdout.write(json.dumps(data, indent=2))

    @staticmethod
    def _describe(key: SigningKey) -> dict:
        return {
            "kid": key.kid,
            "algorithm": key.algorithm,
            "created_at": key.created_at.isoformat(),
            "retired_at": key.retired_at.isoformat() if key.retired_at else None,
            "state": "retired" if key.retired_at else "active",
        }
