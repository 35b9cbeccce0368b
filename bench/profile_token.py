"""Profile the token path (and the two token checks) on a request loop, with pyinstrument.

Run by bench/run.py after the load test, against the benchmark database, with production
settings. Requests go through Django's test client: the middleware stack (the lean one on
the token and check paths), the view, the grant, the database and Redis, without gunicorn
or the network. Writes
``profile-<path>.txt`` and ``.html`` and ``profile.json`` (mean ms per request, queries).
"""

import argparse
import base64
import json
import os
import random
import time
from pathlib import Path
from urllib.parse import urlencode

import django

FORM = "application/x-www-form-urlencoded"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    django.setup()
    from django.db import connection
    from django.test import Client
    from pyinstrument import Profiler

    credentials = [line.split() for line in (args.out / "clients.txt").read_text().splitlines()]
    hot_id, hot_secret = credentials[0]
    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    full_client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")

    def token_request():
        client_id, secret = random.choice(credentials)  # noqa: S311
        body = urlencode(
            {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        )
        response = client.post("/v2/token", body, content_type=FORM)
        assert response.status_code == 200, response.content
        return response

    token = token_request().json()["access_token"]
    basic = "Basic " + base64.b64encode(f"{hot_id}:{hot_secret}".encode()).decode()

    def introspect():
        response = client.post(
            "/v2/token/introspect", urlencode({"token": token}), content_type=FORM, HTTP_AUTHORIZATION=basic
        )
        assert response.status_code == 200, response.content

    def gateway():
        response = client.get(
            "/v1/gateway/check",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_X_ORIGINAL_METHOD="GET",
            HTTP_X_ORIGINAL_URI=f"/v1/Account/OAuthApps/{hot_id}",
            HTTP_X_ORIGINAL_HOST="iam.twilio.com",
        )
        assert response.status_code == 200, response.content

    def healthz():
        assert full_client.get("/healthz").status_code == 200

    summary = {}
    for name, call in (
        ("token", token_request),
        ("introspect", introspect),
        ("gateway", gateway),
        ("healthz", healthz),
    ):
        for _ in range(50):
            call()
        started = time.perf_counter()
        for _ in range(args.requests):
            call()
        plain_ms = (time.perf_counter() - started) * 1000 / args.requests
        queries = []
        with connection.execute_wrapper(
            lambda execute, sql, *rest, seen=queries: seen.append(sql) or execute(sql, *rest)
        ):
            call()
        profiler = Profiler(interval=0.0002)
        profiler.start()
        for _ in range(args.requests):
            call()
        profiler.stop()
        (args.out / f"profile-{name}.txt").write_text(profiler.output_text(unicode=True, show_all=False))
        (args.out / f"profile-{name}.html").write_text(profiler.output_html())
        summary[name] = {
            "mean_ms": round(plain_ms, 3),
            "queries": [sql[:200] for sql in queries],
        }
        print(f"{name:<11} {plain_ms:6.2f} ms/request, {len(queries)} queries", flush=True)
    (args.out / "profile.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
