"""CPU per token request, in one process, before/after a change: medians of alternating rounds.

    DATABASE_URL=postgres://... REDIS_URL=redis://127.0.0.1:6379/11 \
        .venv/bin/python bench/cpu_ab.py --experiment usage-write --rounds 7 --requests 300

Each experiment names two variants (A: before, B: after) made by patching the running
code; rounds alternate A and B back to back, so load from other processes on a shared
machine falls on both alike. Prints CPU microseconds per request (``time.process_time``)
for each round and the medians; the ratio B/A is what to read, not the absolute figure.
"""

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path
from unittest import mock
from urllib.parse import urlencode

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
FORM = "application/x-www-form-urlencoded"


def _experiments():
    from django.conf import settings

    from oauthapps.server import usage

    def usage_db():
        # The fallback: the row is written on every request (as if each were a minute apart).
        return _patched(
            mock.patch.object(usage, "LAST_USED_RESOLUTION", usage.LAST_USED_RESOLUTION * 0),
            mock.patch.object(usage, "_redis", lambda write=True: None),
        )

    def usage_redis():
        return _patched(
            mock.patch.object(usage, "LAST_USED_RESOLUTION", usage.LAST_USED_RESOLUTION * 0),
        )

    from console.throttling import Limit, limit_hit
    from oauthapps.server import client_limits, token_api

    def three_round_trips(*, client_id, address):
        # Before: the address count alone here; the failure read and the token count each
        # make their own round trip later (known=None).
        limit = Limit.parse("token-ip", settings.THROTTLE_TOKEN_PER_IP)
        verdict = limit_hit(limit, address or "unknown")
        return client_limits.TokenRequestLimits(client_id, verdict, None, None, 0.0)

    def limits_separate():
        return _patched(mock.patch.object(token_api, "token_request_limits", three_round_trips))

    return {
        "usage-write": (usage_db, usage_redis),
        "one-round-trip": (limits_separate, lambda: _patched()),
        "same": (lambda: _patched(), lambda: _patched()),
    }


def _patched(*patches):
    stack = contextlib.ExitStack()
    for patch in patches:
        stack.enter_context(patch)
    return stack


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--experiment", default="same")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    os.environ.setdefault("MAX_APPS_PER_ACCOUNT", "1000")
    for limit in ("THROTTLE_TOKEN_PER_CLIENT", "THROTTLE_TOKEN_PER_IP"):
        os.environ.setdefault(limit, "1000000000/60")
    django.setup()
    import logging

    from django.conf import settings
    from django.core.management import call_command

    logging.disable(logging.WARNING)  # the request log would cost both variants alike
    settings.DEBUG = False  # no query log (DEBUG is on outside production settings)
    from django.test import Client

    from console.actors import Actor
    from console.models import Account
    from oauthapps.services import oauth_app_create

    call_command("migrate", verbosity=0)
    issued = oauth_app_create(
        account=Account.objects.first() or Account.objects.create(name="bench"),
        actor=Actor.system(),
        name=f"cpu-{time.time_ns()}",
        scopes=["/twilio/iam/account-oauth-apps/read"],
    )
    fields = {"grant_type": "client_credentials", "client_id": issued.app.client_id}
    body = urlencode({**fields, "client_secret": issued.secret})
    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")

    def run(n: int) -> tuple[float, float]:
        started, wall = time.process_time(), time.perf_counter()
        for _ in range(n):
            response = client.post("/v2/token", body, content_type=FORM)
            assert response.status_code == 200, response.content
        return (time.process_time() - started) * 1e6 / n, (time.perf_counter() - wall) * 1e6 / n

    before, after = _experiments()[args.experiment]
    results = {"A": [], "B": []}
    walls = {"A": [], "B": []}
    for make in (before, after):  # warm up both
        with make():
            run(50)
    for number in range(args.rounds):
        order = (("A", before), ("B", after)) if number % 2 == 0 else (("B", after), ("A", before))
        for variant, make in order:
            with make():
                cpu, wall = run(args.requests)
                results[variant].append(cpu)
                walls[variant].append(wall)
        print(
            f"round {number}: CPU A {results['A'][-1]:5.0f} B {results['B'][-1]:5.0f} us;"
            f" wall A {walls['A'][-1]:5.0f} B {walls['B'][-1]:5.0f} us",
            flush=True,
        )
    a, b = statistics.median(results["A"]), statistics.median(results["B"])
    wa, wb = statistics.median(walls["A"]), statistics.median(walls["B"])
    print(
        f"{args.experiment}: median CPU A {a:.0f} us, B {b:.0f} us per token request, B/A {b / a:.3f}; "
        f"wall A {wa:.0f} us, B {wb:.0f} us, B/A {wb / wa:.3f}"
    )


if __name__ == "__main__":
    main()
