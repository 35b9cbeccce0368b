"""Flat cost: the token path's timings and query plans with 10 apps and a handful of
revocations, then again with --apps more apps and --revocations revocations generated in SQL.

Issuing a token writes nothing (since 0.2.0), so what grows with use is the apps and their
secrets, which every token request and introspection looks up, and the revocations in
force, which every check asks about. Run by bench/run.py against its own throw-away
database. Requests go through Django's test client in this process, on the lean middleware
stack as console/wsgi.py serves these paths, without the network: the figures are
per-request server cost. Each query of the token, introspection and gateway paths, and the
revocation query a check runs without Redis (``REVOKED_SQL``), is then EXPLAIN ANALYZEd
(writes inside a rolled-back transaction).
"""

import argparse
import base64
import json
import os
import random
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
HOST = {"HTTP_HOST": "127.0.0.1", "HTTP_X_FORWARDED_PROTO": "https"}
# The tables whose growth must not show in any plan as a sequential scan.
BIG_TABLES = ("oauthapps_revocation", "oauthapps_oauthapp", "oauthapps_clientsecret")
# The grown revocations: most are one token's (RFC 7009), kept until that token expires;
# fewer are a secret's or a deleted app's, kept for the longest token lifetime. A share has
# ended and waits for the hourly purge_expired, which purge_batch_timings times.
JTI_SHARE, SECRET_SHARE = 0.90, 0.09  # the rest are apps
ENDED_SHARE = 0.10


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
    """The three request paths, driven through Django's test client, and a check's
    revocation query as it runs without Redis."""

    def __init__(self, credentials: list[tuple[str, str]]):
        import jwt
        from django.test import Client

        from oauthapps.server.revocations import revocation_keys

        self.client = Client(**HOST)
        self.credentials = credentials
        self.hot_id, self.hot_secret = credentials[0]
        self.token = self.token_request(credentials[0]).json()["access_token"]
        # The keys a check of this token asks about (its jti, secret_tag and client_id).
        self.token_keys = revocation_keys(jwt.decode(self.token, options={"verify_signature": False}))
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

    def revoked_in_database(self, keys: tuple[str, str, str] | None = None) -> bool:
        """What a check asks PostgreSQL without Redis (or while Redis is down)."""
        from django.db import connection
        from django.utils import timezone

        from oauthapps.server.revocations import REVOKED_SQL

        with connection.cursor() as cursor:
            cursor.execute(REVOKED_SQL, [*(keys or self.token_keys), timezone.now()])
            return cursor.fetchone() is not None


def _explain(sql: str) -> str:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)  # EXPLAIN ANALYZE runs an UPDATE for real
    return plan


def _revoked_key_in_force() -> str:
    from django.utils import timezone

    from oauthapps.models import Revocation

    in_force = Revocation.objects.filter(until__gt=timezone.now()).order_by("-pk")
    return in_force.values_list("key", flat=True)[0]


def _last_use_forgotten(paths: Paths) -> None:
    """Authentication writes a secret's last_used_at at most once a minute: forget the
    measured secrets' last use, so that the captured requests run that UPDATE too."""
    from oauthapps.models import ClientSecret

    client_ids = [client_id for client_id, _secret in paths.credentials]
    ClientSecret.objects.filter(app__client_id__in=client_ids).update(last_used_at=None)


def _plans(paths: Paths) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    hit = (_revoked_key_in_force(), *paths.token_keys[1:])
    _last_use_forgotten(paths)
    captured = {}
    for name, call in (
        ("token", paths.token_request),
        ("introspect", paths.introspect),
        ("gateway", paths.gateway),
        # REVOKED_SQL for the measured token (no key revoked), then with a revoked jti.
        ("revocation_db", lambda: (paths.revoked_in_database(), paths.revoked_in_database(hit))),
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
        "revocation_db": _timed(paths.revoked_in_database, requests),
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


def grow(*, apps: int, revocations: int, template_app_id: int, chunk: int = 1_000_000) -> dict:
    """Add ``apps`` apps (one secret each) and ``revocations`` revocations, in INSERT ... SELECT."""
    from django.conf import settings
    from django.db import connection

    from oauthapps.models import ClientSecret, OAuthApp, Revocation

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
            {
                "app_id": "a.id",
                "digest": "encode(sha256(('scale-secret-' || a.id)::bytea), 'hex')",
                "token_tag": "substr(md5('scale-tag-' || a.id), 1, 16)",
            },
        )
        cursor.execute(
            f"INSERT INTO {ClientSecret._meta.db_table} ({columns}) SELECT {select} "  # noqa: S608
            f"FROM {OAuthApp._meta.db_table} a, "
            f"(SELECT * FROM {ClientSecret._meta.db_table} WHERE app_id = %s LIMIT 1) t "
            "WHERE a.name LIKE 'scale-%%'",
            [template_app_id],
        )
        timings["apps_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        table = Revocation._meta.db_table
        jtis, secrets_end = round(100 * JTI_SHARE), round(100 * (JTI_SHARE + SECRET_SHARE))
        ended = int(revocations * ENDED_SHARE)
        longest = settings.ACCESS_TOKEN_TTL_MAX_SECONDS + settings.TOKEN_CLOCK_LEEWAY_SECONDS
        # Keys as the product writes them (a token's jti is 32 hex digits, a secret's tag 16,
        # a Client ID OQ + 32), the three kinds interleaved; ids ascend with creation, so the
        # oldest ENDED_SHARE ended within the last hour. A jti is kept for an hour at most
        # (the default token lifetime), a secret or an app for the longest token lifetime.
        token_kept = settings.ACCESS_TOKEN_TTL_SECONDS + settings.TOKEN_CLOCK_LEEWAY_SECONDS
        kind = "mod(g, 100)"
        key = (
            f"CASE WHEN {kind} < {jtis} THEN 'jti:' || md5('scale-jti-' || g) "
            f"WHEN {kind} < {secrets_end} THEN 'secret:' || substr(md5('scale-secret-' || g), 1, 16) "
            # 'f'-padded: never the Client ID of a grown app, which is '0'-padded.
            "ELSE 'app:OQ' || lpad(to_hex(g), 32, 'f') END"
        )
        horizon = f"CASE WHEN {kind} < {jtis} THEN {token_kept} ELSE {longest} END"
        until = (
            f"CASE WHEN g <= {ended} THEN now() - (1 - g::float8 / {max(ended, 1)}) * interval '1 hour' "
            f"ELSE now() + (mod(g, 997) + 1)::float8 / 998 * {horizon} * interval '1 second' END"
        )
        with _without_secondary_indexes(cursor, table):
            for low in range(1, revocations + 1, chunk):
                high = min(revocations, low + chunk - 1)
                cursor.execute(
                    f"INSERT INTO {table} (key, until, created_at) "  # noqa: S608
                    f"SELECT {key}, {until}, now() FROM generate_series(%s::bigint, %s::bigint) g",
                    [low, high],
                )
                print(f"  revocations: {high:,} ({time.perf_counter() - started:.0f} s)", flush=True)
        timings["revocations_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        for model in (OAuthApp, ClientSecret, Revocation):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        timings["vacuum_analyze_seconds"] = round(time.perf_counter() - started, 1)
        cursor.execute(f"SELECT count(*) FROM {table} WHERE until > now()")  # noqa: S608
        timings["revocations_in_force"] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT relname, n_live_tup, pg_total_relation_size(relid) FROM pg_stat_user_tables "
            "WHERE relname = ANY(%s)",
            [list(BIG_TABLES)],
        )
        timings["tables"] = {name: {"rows": rows, "bytes": size} for name, rows, size in cursor.fetchall()}
    return timings


def redis_copy_refill() -> dict:
    """The grown rows bypassed the publication to Redis: drop the marker, then time the
    refill that the first check after a lapsed marker pays (every RESYNC_SECONDS, and after
    a Redis restart), and what the copy occupies."""
    from django_redis import get_redis_connection

    from oauthapps.server.revocations import MARKER, SHARED_CACHE, shared_revocations

    redis = get_redis_connection(SHARED_CACHE)
    before = redis.info("memory")["used_memory"]
    redis.delete(MARKER)
    started = time.perf_counter()
    copied = len(shared_revocations.resync(redis))
    return {
        "keys": copied,
        "seconds": round(time.perf_counter() - started, 2),
        "redis_bytes_added": redis.info("memory")["used_memory"] - before,
    }


def redis_copy_forget() -> None:
    """Remove this run's Redis copy: it would outlive the throw-away database by up to the
    longest token lifetime, in the Redis database the next run uses."""
    from django_redis import get_redis_connection

    from oauthapps.server.revocations import MARKER, REDIS_PREFIX, SHARED_CACHE

    redis = get_redis_connection(SHARED_CACHE)
    batch = []
    for name in redis.scan_iter(match=REDIS_PREFIX + "*", count=10_000):
        batch.append(name)
        if len(batch) == 10_000:
            redis.unlink(*batch)
            batch.clear()
    redis.unlink(MARKER, *batch)


def purge_batch_timings(batches: int, batch_size: int) -> list[float]:
    """How long one purge batch (one primary-key range, one transaction) of ended
    revocations takes on the big table."""
    from django.db import transaction
    from django.utils import timezone

    from oauthapps.management.commands.purge_expired import delete_batch, ended_revocations

    now = timezone.now()
    first = ended_revocations(now).order_by("pk").values_list("pk", flat=True).first()
    timings = []
    if first is None:
        return timings
    for number in range(batches):
        start = first + number * batch_size
        began = time.perf_counter()
        with transaction.atomic():
            delete_batch(ended_revocations(now).filter(pk__gte=start, pk__lt=start + batch_size))
        timings.append(round((time.perf_counter() - began) * 1000, 1))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--apps", type=int, default=100_000)
    parser.add_argument("--revocations", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    django.setup()

    from django.utils import timezone

    from console.actors import Actor
    from console.selectors import account_default
    from oauthapps.server.revocations import covering_until, revocations_record, token_key
    from oauthapps.server.signing_keys import signing_key_active
    from oauthapps.services import oauth_app_create

    signing_key_active()
    account = account_default()
    issued = [
        oauth_app_create(account=account, actor=Actor.system(), name=f"small-{n}", scopes=SCOPES)
        for n in range(SMALL_APPS)
    ]
    # A few revocations in force, so that the small case's plans have a revoked key to find.
    revocations_record((token_key(secrets.token_hex(16)), covering_until(timezone.now())) for _ in range(10))
    paths = Paths([(item.app.client_id, item.secret) for item in issued])
    print(f"measuring with {SMALL_APPS} apps", flush=True)
    small = measure(paths, args.requests)
    print(f"growing to {args.apps:,} more apps and {args.revocations:,} revocations", flush=True)
    try:
        growth = grow(apps=args.apps, revocations=args.revocations, template_app_id=issued[0].app.id)
        growth["redis_refill"] = redis_copy_refill()
        print(
            f"  Redis copy refilled: {growth['redis_refill']['keys']:,} keys "
            f"in {growth['redis_refill']['seconds']} s",
            flush=True,
        )
        print("measuring again", flush=True)
        large = measure(paths, args.requests)
    finally:
        redis_copy_forget()
    result = {
        "small": {"apps": SMALL_APPS, "revocations": 10, **small},
        "large": {
            "apps": SMALL_APPS + args.apps,
            "revocations": 10 + args.revocations,
            "revocations_in_force": growth["revocations_in_force"],
            **large,
        },
        "growth": growth,
        "purge_batch_ms": purge_batch_timings(batches=5, batch_size=5000),
    }
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
