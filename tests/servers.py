"""Helpers for tests that start real server processes on loopback."""

import os
import socket
import sys
import uuid


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(**overrides: str) -> dict:
    """The environment of a production process (DEBUG off, fresh keys) served over plain
    HTTP on loopback; ``overrides`` add or replace variables."""
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "test-" + uuid.uuid4().hex * 2,
        "CLIENT_SECRET_DIGEST_KEY": "test-digest-" + uuid.uuid4().hex,
        "AUDIT_CHAIN_KEY": "test-audit-chain-" + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "OAUTH_ISSUER": "http://127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        **overrides,
    }


def gunicorn_command(port: int, workers: int, *extra: str) -> list[str]:
    """gunicorn with the production configuration (config/gunicorn.conf.py) on loopback;
    run it with the repository root as working directory."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "config/gunicorn.conf.py",
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        *extra,
    ]
