"""Settings from the environment: development defaults, and a loud refusal in production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_settings(**env) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "OAUTH_ISSUER",
            "CLIENT_SECRET_DIGEST_KEY",
            "AUDIT_CHAIN_KEY",
            "DATABASE_URL",
        }
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import config.settings as s; print(s.DEBUG, s.ACCESS_TOKEN_TTL_SECONDS, "
            "s.SECRET_GRACE_SECONDS, s.DATABASES['default']['ENGINE'])",
        ],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_development_defaults_load_with_debug_on():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "3600", "86400", "django.db.backends.sqlite3"]


def test_refuses_to_start_with_development_defaults_when_debug_is_off():
    result = load_settings(DEBUG="false")
    assert result.returncode != 0
    assert "Refusing to start with DEBUG off" in result.stderr
    for name in (
        "SECRET_KEY",
        "CLIENT_SECRET_DIGEST_KEY",
        "AUDIT_CHAIN_KEY",
        "ALLOWED_HOSTS",
        "OAUTH_ISSUER",
    ):
        assert name in result.stderr


def test_starts_with_debug_off_when_everything_is_set():
    result = load_settings(
        DEBUG="false",
        SECRET_KEY="k" * 60,
        CLIENT_SECRET_DIGEST_KEY="d" * 40,
        AUDIT_CHAIN_KEY="a" * 40,
        ALLOWED_HOSTS="auth.example.com",
        OAUTH_ISSUER="https://auth.example.com",
        DATABASE_URL="postgres://u@db.example.com/oauth",
        ACCESS_TOKEN_TTL_SECONDS="600",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "600", "86400", "console.postgresql"]


def test_bad_number_is_a_clear_error():
    result = load_settings(SECRET_GRACE_SECONDS="one day")
    assert result.returncode != 0
    assert "SECRET_GRACE_SECONDS must be an integer" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ACCESS_TOKEN_TTL_SECONDS", "59", "ACCESS_TOKEN_TTL_SECONDS must be from 60 to 2592000"),
        ("ACCESS_TOKEN_TTL_SECONDS", "2592001", "ACCESS_TOKEN_TTL_SECONDS must be from 60 to 2592000"),
        ("SECRET_GRACE_SECONDS", "-1", "SECRET_GRACE_SECONDS must be from 0 to 2592000"),
        ("SECRET_GRACE_SECONDS", "2592001", "SECRET_GRACE_SECONDS must be from 0 to 2592000"),
    ],
)
def test_defaults_outside_twilios_ranges_are_refused(name, value, message):
    result = load_settings(**{name: value})
    assert result.returncode != 0
    assert message in result.stderr
