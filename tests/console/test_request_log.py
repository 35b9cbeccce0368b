"""Structured request logs: one line per request, never a secret, token or query string."""

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from console.log_format import JsonFormatter
from tests.oauthapps.test_checks import introspect
from tests.oauthapps.test_token_endpoint import credentials, post_token
from tests.servers import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def request_records(caplog):
    return [r for r in caplog.records if r.name == "oauthapps.requests"]


def test_one_line_per_request_with_client_id(client, issued, caplog):
    caplog.set_level(logging.INFO, logger="oauthapps.requests")
    response = post_token(client, credentials(issued))
    [record] = request_records(caplog)
    assert (record.method, record.path, record.status) == ("POST", "/v2/token", 200)
    assert record.client_id == issued.app.client_id
    assert record.request_id == response["X-Request-ID"]
    assert record.duration_ms >= 0


def test_json_lines_carry_the_request_fields(client, issued, caplog):
    caplog.set_level(logging.INFO, logger="oauthapps.requests")
    post_token(client, credentials(issued))
    line = json.loads(JsonFormatter().format(request_records(caplog)[0]))
    assert line["path"] == "/v2/token" and line["status"] == 200 and line["client_id"] == issued.app.client_id
    assert line["level"] == "INFO" and "time" in line


def test_query_strings_are_not_logged(client, caplog):
    caplog.set_level(logging.INFO, logger="oauthapps.requests")
    client.get("/healthz?access_token=leaky-value")
    assert "leaky-value" not in caplog.text
    assert request_records(caplog)[0].path == "/healthz"


def test_offered_request_id_is_kept_when_sane(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc12345-req").headers["X-Request-ID"] == "abc12345-req"
    assert client.get("/healthz", HTTP_X_REQUEST_ID="<script>").headers["X-Request-ID"] != "<script>"


def test_no_secret_or_token_in_any_log_at_debug(client, issued, caplog):
    caplog.set_level(logging.DEBUG)
    token = post_token(client, credentials(issued)).json()["access_token"]
    introspect(client, issued, token)
    client.post("/v2/token/revoke", {"token": token}, HTTP_AUTHORIZATION="Basic bad")
    text = caplog.text + "".join(JsonFormatter().format(r) for r in caplog.records)
    assert issued.secret not in text
    assert token not in text and token.split(".")[2] not in text


def test_development_server_logs_no_query_string(tmp_path):
    """runserver logs a 4xx with its request line; the query string must not be in it."""
    port = free_port()
    log = tmp_path / "runserver.log"
    with log.open("w") as output:
        server = subprocess.Popen(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
            cwd=REPO_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "LOG_FORMAT": "text"},
        )
        try:
            status = _get_when_up(f"http://127.0.0.1:{port}/v1/NoSuchThing?client_secret=leaky-value")
        finally:
            server.terminate()
            server.wait(timeout=10)
    text = log.read_text()
    assert status == 404
    assert "/v1/NoSuchThing" in text  # the line was written...
    assert "leaky-value" not in text and "client_secret" not in text  # ...without its query


def _get_when_up(url: str) -> int:
    deadline = time.monotonic() + 30
    while True:
        try:
            return requests.get(url, timeout=5).status_code
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
