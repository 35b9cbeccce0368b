"""Where the CPU of one token request goes: a cProfile of N in-process requests, summed
into the parts of the token path (docs/performance-round3.md's budget table).

    DATABASE_URL=postgres://... REDIS_URL=redis://127.0.0.1:6379/11 \
        .venv/bin/python bench/budget.py --requests 500

cProfile's own cost inflates call-heavy parts (Django, DRF) more than C-heavy ones
(signing, the database driver); the table gives each part's share of the profiled total
and, beside it, that share of the unprofiled CPU per request.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
FORM = "application/x-www-form-urlencoded"

# (label, file suffix, function name): cumulative time of the first call in the path.
PARTS = [
    ("request in Django (handler, middleware, view)", "django/core/handlers/base.py", "get_response"),
    ("  token view (DRF dispatch, checks, grant)", "oauthapps/server/token_api.py", "dispatch"),
    ("    form parsing and shape checks", "oauthapps/server/token_api.py", "_check_shape"),
    ("    rate limits: one Redis round trip", "console/throttling.py", "limits_gated"),
    ("    client lookup (one SQL query)", "oauthapps/server/secret_check.py", "_candidates"),
    ("    secret digest comparison", "oauthapps/secrets.py", "secret_matches"),
    ("    secret use note (Redis, once a minute)", "oauthapps/server/usage.py", "secret_use_note"),
    ("    scopes of the app", "oauthapps/server/grant.py", "token_scopes"),
    ("    claims", "oauthapps/server/tokens.py", "access_token_claims"),
    ("    signing (PyJWT, RS256)", "oauthapps/server/tokens.py", "access_token_sign"),
    ("    JSON response", "django/http/response.py", "__init__"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    os.environ.setdefault("MAX_APPS_PER_ACCOUNT", "1000")
    for limit in ("THROTTLE_TOKEN_PER_CLIENT", "THROTTLE_TOKEN_PER_IP"):
        os.environ.setdefault(limit, "1000000000/60")
    django.setup()
    import logging

    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from console.actors import Actor
    from console.models import Account
    from oauthapps.services import oauth_app_create

    logging.disable(logging.WARNING)
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    issued = oauth_app_create(
        account=Account.objects.first() or Account.objects.create(name="bench"),
        actor=Actor.system(),
        name=f"budget-{time.time_ns()}",
        scopes=["/twilio/iam/account-oauth-apps/read"],
    )
    fields = {"grant_type": "client_credentials", "client_id": issued.app.client_id}
    body = urlencode({**fields, "client_secret": issued.secret})
    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")

    def run(n: int) -> None:
        for _ in range(n):
            assert client.post("/v2/token", body, content_type=FORM).status_code == 200

    run(100)
    started = time.process_time()
    run(args.requests)
    plain_us = (time.process_time() - started) * 1e6 / args.requests
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    run(args.requests)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = None
    rows = []
    for label, suffix, name in PARTS:
        found = [
            (cumulative, calls)
            for (path, _line, function), (calls, _prim, _tt, cumulative, _callers) in stats.items()
            if path.endswith(suffix) and function == name
        ]
        cumulative = max((c for c, _ in found), default=0.0) / args.requests
        total = total or cumulative
        rows.append((label, cumulative))
    print(f"CPU per token request without the profiler: {plain_us:.0f} us ({args.requests} requests)")
    print(f"{'part':<52} {'share':>6} {'us (scaled)':>12}")
    for label, cumulative in rows:
        share = cumulative / total if total else 0
        print(f"{label:<52} {share:6.1%} {share * plain_us:12.0f}")


if __name__ == "__main__":
    main()
