"""Liveness and readiness for load balancers and orchestrators: fast, unauthenticated, no secrets."""

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse

_migrations_checked = False


def healthz(request) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database_ready() -> tuple[bool, str]:
    global _migrations_checked
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrations_checked:
            executor = MigrationExecutor(connection)
            if executor.migration_plan(executor.loader.graph.leaf_nodes()):
                return False, "migrations pending: run manage.py migrate"
            _migrations_checked = True  # once applied, they stay applied for this process
        return True, "ok"
    except Exception as exc:  # any failure means not ready; say which kind, never a DSN
        return False, f"unreachable ({type(exc).__name__})"


def _cache_ready() -> tuple[bool, str]:
    try:
        cache.set("readyz", "1", 5)
        return (cache.get("readyz") == "1"), "ok"
    except Exception as exc:
        return False, f"unreachable ({type(exc).__name__})"


def readyz(request) -> JsonResponse:
    database_ok, database = _database_ready()
    cache_ok, cache_state = _cache_ready()
    ready = database_ok and cache_ok
    response = JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": {"database": database, "cache": cache_state}},
        status=200 if ready else 503,
    )
    response["Cache-Control"] = "no-store"
    return response
