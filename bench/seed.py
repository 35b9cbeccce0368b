"""Create the benchmark's apps through the product's own service; write their credentials.

Run by bench/run.py with the benchmark's environment (a throw-away database). Writes
``clients.txt`` ("client_id secret" per line) and ``hot_client.txt`` (the first app) into
``--out``, which lives under the git-ignored bench-results/.
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
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    # All the bench's apps go into one account: let it hold them whatever --apps says.
    os.environ.setdefault("MAX_APPS_PER_ACCOUNT", str(max(args.apps, 1000)))
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
    (args.out / "clients.txt").write_text("".join(lines))
    (args.out / "hot_client.txt").write_text(lines[0])
    print(f"created {args.apps} apps in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
