"""Flat cost: the token path's timings and query plans with 10 apps and a near-empty token
table, then again with --apps apps and --tokens token rows generated in SQL.

Run by bench/run.py against its own throw-away database. Requests go through Django's
test client in this process (the whole middleware stack, no network), so the figures
are per-request server cost; each query of the token, introspection and gateway paths
is then EXPLAIN ANALYZEd (writes inside a rolled-back transaction).
"""

import argparse
import base64
import json
import os
import random
import re
import secrets
import statistics
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import django

SCOPES = ["/twilio/iam/account-oauth-apps/read", "/twilio/iam/account-oauth-apps/list"]
SMALL_APPS = 10
FORM = "application/x-www-form-urlencoded"
CHECKSUM = re.compile(r"'[0-9a-f]{64}'")
HOST = {"HTTP_HOST": "127.0.0.1", "HTTP_X_FORWARDED_PROTO": "https"}
# The tables whose growth must not show in any plan as a sequential scan.
BIG_TABLES = ("oauth2_provider_accesstoken", "oauthapps_oauthapp", "oauthapps_clientsecret")


def _timed(call, count: int, rounds: int = 3) -> dict:
    """Median per round; the best round is reported, the least disturbed by whatever else
    the machine runs (the figures are compared across minutes, not within one run)."""
    medians, p95s = [], []
    for _ in range(rounds):
        samples = []
        for _ in range(count):
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        medians.append(round(statistics.median(samples), 3))
        p95s.append(round(samples[int(count * 0.95) - 1], 3))
    return {
        "requests": count * rounds,
        "median_ms": min(medians),
        "round_medians_ms": medians,
        "p95_ms": min(p95s),
    }


class Paths:
    """The three request paths, driven through Django's test client."""

    def __init__(self, credentials: list[tuple[str, str]]):
        from django.test import Client

        self.client = Client(**HOST)
        self.credentials = credentials
        self.hot_id, self.hot_secret = credentials[0]
        self.token = self.token_request(credentials[0]).json()["access_token"]
        basic = base64.b64encode(f"{self.hot_id}:{self.hot_secret}".encode()).decode()
        self.basic = f"Basic {basic}"

    def token_request(self, credential=None):
        client_id, secret = credential or random.choice(self.credentials)  # noqa: S311
        response = self.client.post(
            "/v2/token",
            urlencode({"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}),
            content_type=FORM,
        )
        assert response.status_code == 200, response.content
        return response

    def introspect(self):
        response = self.client.post(
            "/v2/token/introspect",
            urlencode({"token": self.token}),
            content_type=FORM,
            HTTP_AUTHORIZATION=self.basic,
        )
        assert response.status_code == 200 and response.json()["active"], response.content

    def gateway(self):
        response = self.client.get(
            "/v1/gateway/check",
            HTTP_AUTHORIZATION=f"Bearer {self.token}",
            HTTP_X_ORIGINAL_METHOD="GET",
            HTTP_X_ORIGINAL_URI=f"/v1/Account/OAuthApps/{self.hot_id}",
            HTTP_X_ORIGINAL_HOST="iam.twilio.com",
        )
        assert response.status_code == 200, response.content


def _explain(sql: str) -> str:
    from django.db import connection, transaction

    if sql.lstrip().upper().startswith("INSERT"):
        # The row exists already: explain inserting another one with a fresh checksum.
        sql = CHECKSUM.sub(lambda _match: "'" + secrets.token_hex(32) + "'", sql)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)  # EXPLAIN ANALYZE runs INSERTs and UPDATEs for real
    return plan


def _plans(paths: Paths) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    captured = {}
    for name, call in (
        ("token", paths.token_request),
        ("introspect", paths.introspect),
        ("gateway", paths.gateway),
    ):
        with CaptureQueriesContext(connection) as context:
            call()
        queries = [
            query["sql"]
            for query in context.captured_queries
            if query["sql"].lstrip().split(" ", 1)[0].upper() in {"SELECT", "INSERT", "UPDATE", "DELETE"}
        ]
        captured[name] = [{"sql": sql, "plan": _explain(sql)} for sql in queries]
    return captured


def _seq_scans(plans: dict) -> list[str]:
    found = []
    for path, queries in plans.items():
        for query in queries:
            for table in BIG_TABLES:
                if f"Seq Scan on {table}" in query["plan"]:
                    found.append(f"{path}: {table}")
    return found


def _plan_ms(plan: str) -> float:
    """Planning plus execution time of one EXPLAIN ANALYZE, ms."""
    return sum(
        float(line.split(":")[1].split()[0])
        for line in plan.splitlines()
        if line.startswith(("Planning Time:", "Execution Time:"))
    )


def measure(paths: Paths, requests: int) -> dict:
    for _ in range(30):
        paths.token_request()  # warm: key cache, catalog, connection
    result = {
        "token": _timed(paths.token_request, requests),
        "introspect": _timed(paths.introspect, requests),
        "gateway": _timed(paths.gateway, requests),
        "plans": _plans(paths),
    }
    result["seq_scans_on_big_tables"] = _seq_scans(result["plans"])
    result["db_ms"] = {
        path: round(sum(_plan_ms(query["plan"]) for query in queries), 3)
        for path, queries in result["plans"].items()
    }
    return result


def _copy_select(model, overrides: dict[str, str]) -> tuple[str, str]:
    """Column list and SELECT list copying a template row ``t`` except ``overrides``."""
    columns, expressions = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        expressions.append(overrides.get(field.column, f"t.{field.column}"))
    return ", ".join(columns), ", ".join(expressions)


@contextmanager
def _without_secondary_indexes(cursor, table: str):
    """Bulk-load ``table`` the way pg_restore does: drop its unique and foreign-key
    constraints and other indexes (not the primary key), load, then rebuild them all with
    their original names and definitions. Sorting once beats ten million index inserts."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('u', 'f')",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        [table, table],
    )
    indexes = cursor.fetchall()
    for name, _definition in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    started = time.perf_counter()
    cursor.execute("SET maintenance_work_mem = '512MB'")
    for _name, definition in indexes:
        cursor.execute(definition)
    for name, definition in constraints:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    print(f"  indexes and constraints rebuilt ({time.perf_counter() - started:.0f} s)", flush=True)


def grow(*, apps: int, tokens: int, template_app_id: int, chunk: int = 1_000_000) -> dict:
    """Add ``apps`` apps (one secret each) and ``tokens`` token rows, in INSERT ... SELECT."""
    from django.db import connection
    from oauth2_provider.models import get_access_token_model

    from oauthapps.models import ClientSecret, OAuthApp

    AccessToken = get_access_token_model()
    timings = {}
    with connection.cursor() as cursor:
        started = time.perf_counter()
        columns, select = _copy_select(
            OAuthApp,
            {"client_id": "'OQ' || lpad(to_hex(g), 32, '0')", "name": "'scale-' || g"},
        )
        cursor.execute(
            f"INSERT INTO {OAuthApp._meta.db_table} ({columns}) SELECT {select} "  # noqa: S608
            f"FROM {OAuthApp._meta.db_table} t, generate_series(1, %s) g WHERE t.id = %s",
            [apps, template_app_id],
        )
        columns, select = _copy_select(
            ClientSecret,
            {"app_id": "a.id", "digest": "encode(sha256(('scale-secret-' || a.id)::bytea), 'hex')"},
        )
        cursor.execute(
            f"INSERT INTO {ClientSecret._meta.db_table} ({columns}) SELECT {select} "  # noqa: S608
            f"FROM {OAuthApp._meta.db_table} a, "
            f"(SELECT * FROM {ClientSecret._meta.db_table} WHERE app_id = %s LIMIT 1) t "
            "WHERE a.name LIKE 'scale-%%'",
            [template_app_id],
        )
        timings["apps_seconds"] = round(time.perf_counter() - started, 1)
        cursor.execute(f"SELECT min(id), max(id) FROM {OAuthApp._meta.db_table}")  # noqa: S608
        first_app, last_app = cursor.fetchone()
        cursor.execute(f"SELECT max(id) FROM {AccessToken._meta.db_table}")  # noqa: S608
        template_token = cursor.fetchone()[0]
        started = time.perf_counter()
        columns, select = _copy_select(
            AccessToken,
            {
                "token_checksum": "encode(sha256(('scale-token-' || g)::bytea), 'hex')",
                "application_id": f"{first_app} + mod(g, {last_app - first_app + 1})",
                # Ids ascend with expiry, as in real use; most rows are long expired, as in
                # a table that nobody purges.
                "expires": f"now() - interval '30 days' + (g::float8 / {tokens}) * interval '30 days 1 hour'",
            },
        )
        with _without_secondary_indexes(cursor, AccessToken._meta.db_table):
            for low in range(1, tokens + 1, chunk):
                high = min(tokens, low + chunk - 1)
                cursor.execute(
                    f"INSERT INTO {AccessToken._meta.db_table} ({columns}) SELECT {select} "  # noqa: S608
                    f"FROM {AccessToken._meta.db_table} t, generate_series(%s, %s) g WHERE t.id = %s",
                    [low, high, template_token],
                )
                print(f"  token rows: {high:,} ({time.perf_counter() - started:.0f} s)", flush=True)
        timings["tokens_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        for model in (OAuthApp, ClientSecret, AccessToken):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        timings["vacuum_analyze_seconds"] = round(time.perf_counter() - started, 1)
        cursor.execute(
            "SELECT relname, n_live_tup, pg_total_relation_size(relid) FROM pg_stat_user_tables "
            "WHERE relname = ANY(%s)",
            [list(BIG_TABLES)],
        )
        timings["tables"] = {name: {"rows": rows, "bytes": size} for name, rows, size in cursor.fetchall()}
    return timings


def purge_batch_timings(batches: int, batch_size: int) -> list[float]:
    """How long one purge batch (one primary-key range, one transaction) takes on the big table."""
    from django.db import transaction
    from django.utils import timezone

    from oauthapps.management.commands.purge_expired import delete_batch, expired_access_tokens

    now = timezone.now()
    first = expired_access_tokens(now).order_by("pk").values_list("pk", flat=True).first()
    timings = []
    for number in range(batches):
        start = first + number * batch_size
        began = time.perf_counter()
        with transaction.atomic():
            delete_batch(expired_access_tokens(now).filter(pk__gte=start, pk__lt=start + batch_size))
        timings.append(round((time.perf_counter() - began) * 1000, 1))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--apps", type=int, default=100_000)
    parser.add_argument("--tokens", type=int, default=10_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    django.setup()

    from console.actors import Actor
    from console.selectors import account_default
    from oauthapps.services import oauth_app_create
    from oauthapps.signing_keys import signing_key_active

    signing_key_active()
    account = account_default()
    issued = [
        oauth_app_create(account=account, actor=Actor.system(), name=f"small-{n}", scopes=SCOPES)
        for n in range(SMALL_APPS)
    ]
    paths = Paths([(item.app.client_id, item.secret) for item in issued])
    print(f"measuring with {SMALL_APPS} apps", flush=True)
    small = measure(paths, args.requests)
    print(f"growing to {args.apps:,} more apps and {args.tokens:,} token rows", flush=True)
    growth = grow(apps=args.apps, tokens=args.tokens, template_app_id=issued[0].app.id)
    print("measuring again", flush=True)
    large = measure(paths, args.requests)
    result = {
        "small": {"apps": SMALL_APPS, **small},
        "large": {"apps": SMALL_APPS + args.apps, "token_rows": args.tokens, **large},
        "growth": growth,
        "purge_batch_ms": purge_batch_timings(batches=5, batch_size=5000),
    }
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
