"""Audit at scale: the Monitor filters, the console's audit page and a whole-account export,
with --events audit events in one account (seeded in SQL with generate_series).

Run by bench/run.py on its own throw-away database (or alone: `python -m bench.audit_scale
--events 1000000 --out audit.json` with DATABASE_URL set to a scratch database). For each
Monitor filter it reports the first page's and a deep page's timing and EXPLAIN (ANALYZE,
BUFFERS); for the console page, its timing and whether any query counts or DISTINCTs the
events; for the export, how long writing the file took and its size. The seeded events are
not chained (the chain is not read by these paths); `audit_verify` is not measured here.
"""

import argparse
import json
import os
import re
import statistics
import time
from pathlib import Path

import django

MEMBERS = 5
APPS = 50
ADDRESSES = 200
PAGE = 50
EVENT_TYPES = (
    "oauth-apps.created",
    "oauth-apps.updated",
    "oauth-apps.secret-rotated",
    "oauth-apps.secret-revoked",
    "oauth-apps.secret-expired",
    "oauth-apps.deleted",
)
EXECUTION = re.compile(r"(Planning|Execution) Time: ([\d.]+) ms")


def _median_ms(call, rounds: int = 15) -> float:
    call()  # warm
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 2)


def seed(*, account, members: list, apps: list, events: int, chunk: int = 250_000) -> float:
    """``events`` events over the past year, oldest first, spread over members, apps,
    addresses and types: INSERT … SELECT generate_series, in chunks."""
    from django.db import connection

    started = time.perf_counter()
    actors = [(user.sid, user.email, "user") for user in members] + [(account.sid, "Automation", "account")]
    with connection.cursor() as cursor:
        for low in range(1, events + 1, chunk):
            high = min(events, low + chunk - 1)
            cursor.execute(
                """
                INSERT INTO audit_auditevent (sid, account_id, event_type, event_date, actor_type, actor_sid,
                    actor_label, source, source_ip_address, resource_type, resource_sid, resource_name,
                    event_data, description, previous_hash, chain_hash)
                SELECT 'AE' || md5('bench-event-' || g), %(account)s,
                    (%(types)s::text[])[1 + g %% %(type_count)s],
                    now() - interval '365 days' + (g::float8 / %(events)s::float8) * interval '365 days',
                    (%(actor_types)s::text[])[1 + g %% %(actor_count)s],
                    (%(actor_sids)s::text[])[1 + g %% %(actor_count)s],
                    (%(actor_labels)s::text[])[1 + g %% %(actor_count)s],
                    'web', ('10.0.0.' || g %% %(addresses)s)::inet,
                    'oauth-app',
                    (%(app_sids)s::text[])[1 + g %% %(app_count)s],
                    (%(app_names)s::text[])[1 + g %% %(app_count)s],
                    '{"via": "console"}'::jsonb, 'bench event ' || g, '', ''
                FROM generate_series(%(low)s::bigint, %(high)s::bigint) AS g
                """,
                {
                    "account": account.pk,
                    "types": list(EVENT_TYPES),
                    "type_count": len(EVENT_TYPES),
                    "events": events,
                    "actor_types": [a[2] for a in actors],
                    "actor_sids": [a[0] for a in actors],
                    "actor_labels": [a[1] for a in actors],
                    "actor_count": len(actors),
                    "addresses": ADDRESSES,
                    "app_sids": [app.client_id for app in apps],
                    "app_names": [app.name for app in apps],
                    "app_count": len(apps),
                    "low": low,
                    "high": high,
                },
            )
            print(f"  audit events: {high:,} ({time.perf_counter() - started:.0f} s)", flush=True)
        cursor.execute("VACUUM ANALYZE audit_auditevent")
    return round(time.perf_counter() - started, 1)


def _explain(queryset) -> tuple[str, float]:
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return plan, round(sum(float(ms) for _, ms in EXECUTION.findall(plan)), 3)


def monitor_filters(account, members, apps) -> dict:
    """Each Monitor filter's first page and a page 10,000 events deep (keyset, as the API pages)."""
    from django.db.models import Q

    from audit.selectors import audit_event_list

    filters = {
        "none": {},
        "ActorSid": {"actor_sid": members[1].sid},
        "ResourceSid": {"resource_sid": apps[7].client_id},
        "SourceIpAddress": {"source_ip_address": "10.0.0.42"},
        "EventType": {"event_type": "oauth-apps.deleted"},
        "StartDate+EndDate (one day)": {"start": _days_ago(100), "end": _days_ago(99)},
    }
    results = {}
    for name, given in filters.items():
        events = audit_event_list(account=account, **given)
        first = events[: PAGE + 1]
        deep_row = events.values_list("event_date", "id")[10_000:10_001].first()
        deep = first
        if deep_row:
            moment, event_id = deep_row
            deep = events.filter(
                Q(event_date__lte=moment), Q(event_date__lt=moment) | Q(event_date=moment, id__lt=event_id)
            )[: PAGE + 1]
        first_plan, first_db = _explain(first)
        deep_plan, deep_db = _explain(deep)
        results[name] = {
            "first_page_ms": _median_ms(lambda q=first: list(q.all())),  # .all(): a fresh query each time
            "deep_page_ms": _median_ms(lambda q=deep: list(q.all())),
            "first_page_db_ms": first_db,
            "deep_page_db_ms": deep_db,
            "first_page_plan": first_plan,
            "deep_page_plan": deep_plan,
            "seq_scan": "Seq Scan on audit_auditevent" in first_plan + deep_plan,
        }
        print(f"  {name}: first {results[name]['first_page_ms']} ms, deep {results[name]['deep_page_ms']} ms")
    return results


def _days_ago(days: int):
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() - timedelta(days=days)


def console_page(account, user) -> dict:
    """GET /console/audit/ (newest page, and with an Actor filter) through the middleware."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    client.force_login(user)
    result = {}
    for name, query in {"newest": {}, "actor filter": {"actor": user.sid}}.items():
        assert client.get("/console/audit/", query).status_code == 200
        with CaptureQueriesContext(connection) as captured:
            client.get("/console/audit/", query)
        audit_sql = [
            q["sql"].upper() for q in captured.captured_queries if "AUDIT_AUDITEVENT" in q["sql"].upper()
        ]
        result[name] = {
            "median_ms": _median_ms(lambda q=query: client.get("/console/audit/", q), rounds=10),
            "queries_on_events": len(audit_sql),
            "count_or_distinct": any("COUNT(" in sql or "DISTINCT" in sql for sql in audit_sql),
        }
        print(f"  console {name}: {result[name]['median_ms']} ms")
    return result


def export_whole_account(account, user, workdir: Path) -> dict:
    """The console export of every event of the account, written as the background thread does."""
    from django.test import override_settings

    from audit.exports import audit_export_write, export_path
    from audit.models import AuditExport

    with override_settings(AUDIT_EXPORT_DIR=workdir / "audit-exports"):
        export = AuditExport.objects.create(account=account, requested_by=user, fmt="csv")
        started = time.perf_counter()
        export = audit_export_write(export.pk)
        seconds = round(time.perf_counter() - started, 1)
        size = export_path(export).stat().st_size
        export_path(export).unlink()
    print(f"  export: {export.rows:,} rows, {size / 1e6:.1f} MB in {seconds} s")
    return {"rows": export.rows, "bytes": size, "seconds": seconds, "status": export.status}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--skip-export", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()

    from console.actors import Actor
    from console.models import Membership, Role, User
    from console.selectors import account_default
    from oauthapps.services import oauth_app_create

    account = account_default()
    members = [
        User.objects.create_user(username=f"audit{n}@bench.test", email=f"audit{n}@bench.test")
        for n in range(MEMBERS)
    ]
    for user in members:
        Membership.objects.get_or_create(user=user, account=account, defaults={"role": Role.OWNER})
    apps = [
        oauth_app_create(
            account=account, actor=Actor.system(), name=f"audit-{n}", scopes=["/twilio/monitor/events/list"]
        ).app
        for n in range(APPS)
    ]
    print(f"seeding {args.events:,} audit events", flush=True)
    seconds = seed(account=account, members=members, apps=apps, events=args.events)
    result = {
        "events": args.events,
        "seed_seconds": seconds,
        "monitor": monitor_filters(account, members, apps),
        "console": console_page(account, members[0]),
    }
    if not args.skip_export:
        result["export"] = export_whole_account(account, members[0], args.out.parent)
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
