"""Health endpoints, security headers and a clean `check --deploy` in production settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_is_ok_without_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_and_cache(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "cache": "ok"}}


@pytest.mark.django_db
def test_readyz_reports_an_unreachable_database(client, monkeypatch):
    from django.db.backends.base.base import BaseDatabaseWrapper

    def broken_cursor(self, *args, **kwargs):
        raise ConnectionError("database down")

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", broken_cursor)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unreachable (ConnectionError)"


@pytest.mark.parametrize("path", ["/healthz", "/.well-known/jwks.json", "/login/", "/v2/token"])
@pytest.mark.django_db
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_check_deploy_is_clean_with_production_settings():
    # The browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright: not a deployment.
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DEBUG="false",
        SECRET_KEY="s" * 60 + "Xy9!",
        CLIENT_SECRET_DIGEST_KEY="d" * 40,
        AUDIT_CHAIN_KEY="a" * 40,
        ALLOWED_HOSTS="auth.example.com",
        OAUTH_ISSUER="https://auth.example.com",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
