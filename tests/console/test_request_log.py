"""Structured request logs: one line per request, never a secret, token or query string."""

import json
import logging

import pytest

from console.log_format import JsonFormatter
from tests.oauthapps.test_checks import introspect
from tests.oauthapps.test_token_endpoint import credentials, post_token

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
