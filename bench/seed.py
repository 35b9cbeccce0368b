"""Create the benchmark's apps through the product's own service; write their credentials.

Run by bench/run.py with the benchmark's environment (a throw-away database). Writes
``clients.txt`` ("client_id secret" per line) and ``hot_client.txt`` (the first app) into
``--out``, which lives under the git-ignored bench-results/; and one private_key_jwt app,
whose Client ID is ``key_client.txt`` and whose RSA private key is ``key_client.pem``.
"""

import argparse
import os
import time
from pathlib import Path

import django

SCOPES = ["/twilio/iam/account-oauth-apps/read", "/twilio/iam/account-oauth-apps/list"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # All the bench's apps (and the private_key_jwt client) go into one account: let it hold them.
    os.environ.setdefault("MAX_APPS_PER_ACCOUNT", str(max(args.apps + 1, 1000)))  # + the key client
    django.setup()

    from console.actors import Actor
    from console.selectors import account_default
    from oauthapps.server.signing_keys import signing_key_active
    from oauthapps.services import oauth_app_create

    # One key before the workers start, so that five of them do not race to create one each.
    signing_key_active()
    account = account_default()
    actor = Actor.system()
    started = time.perf_counter()
    lines = []
    for number in range(args.apps):
        issued = oauth_app_create(account=account, actor=actor, name=f"bench-{number:06d}", scopes=SCOPES)
        lines.append(f"{issued.app.client_id} {issued.secret}\n")
    args.out.mkdir(parents=True, exist_ok=True)
    _key_client(account, actor, args.out)
    (args.out / "clients.txt").write_text("".join(lines))
    (args.out / "hot_client.txt").write_text(lines[0])
    print(f"created {args.apps} apps in {time.perf_counter() - started:.1f} s")


def _key_client(account, actor, out: Path) -> None:
    """A private_key_jwt app with an inline RSA key, as authlib's defaults expect (RS256)."""
    import json

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm

    from oauthapps.services import oauth_app_create

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
    issued = oauth_app_create(
        account=account,
        actor=actor,
        name="bench-private-key-jwt",
        scopes=SCOPES,
        token_endpoint_auth_method="private_key_jwt",
        jwks={"keys": [jwk]},
    )
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (out / "key_client.pem").write_bytes(pem)
    (out / "key_client.txt").write_text(issued.app.client_id + "\n")


if __name__ == "__main__":
    main()
