"""Hostile input at the token endpoint (hypothesis): always a clear 4xx, never a 500."""

import base64
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oauthapps.metrics import TOKENS_ISSUED
from oauthapps.models import ClientSecret

pytestmark = pytest.mark.django_db

HOSTILE_STRINGS = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "\x00",
            "\u202e",
            "../../etc/passwd",
            "%00",
            "client_credentials\x00",
            "a" * 5000,
            "OQ" + "0" * 32,
            "/twilio/*/*/*",
            "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
        ]
    ),
)
FIELDS = st.sampled_from(
    ["grant_type", "client_id", "client_secret", "scope", "audience", "resource", "code", "x"]
)
FORM = st.lists(st.tuples(FIELDS, HOSTILE_STRINGS), max_size=8)
CONTENT_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded; charset=latin-1",
        "",
    ]
)
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(pairs=FORM, content_type=CONTENT_TYPES)
def test_any_form_gets_a_clear_json_error(client, issued, pairs, content_type):
    body = urlencode(pairs).encode()
    response = client.post("/v2/token", body, content_type=content_type)
    assert response.status_code in {200, 400, 401, 413, 429}, response.content[:300]
    payload = response.json()
    if response.status_code != 200:
        assert payload["error"] and payload["message"] and payload["status"] == response.status_code
    assert response["Cache-Control"] == "no-store"


@SETTINGS
@given(raw=st.binary(max_size=2000))
def test_arbitrary_bytes_never_break_it(client, issued, raw):
    response = client.post("/v2/token", raw, content_type="application/x-www-form-urlencoded")
    assert response.status_code in {400, 401, 413, 429}
    assert response.json()["status"] == response.status_code


@SETTINGS
@given(header=st.text(max_size=200))
def test_arbitrary_authorization_headers(client, issued, header):
    body = urlencode({"grant_type": "client_credentials"})
    try:
        response = client.post(
            "/v2/token", body, content_type="application/x-www-form-urlencoded", HTTP_AUTHORIZATION=header
        )
    except UnicodeEncodeError:
        return  # not representable in an HTTP header at all
    assert response.status_code in {400, 401, 429}


def test_refused_hostile_requests_change_nothing(client, issued):
    issued_before = TOKENS_ISSUED._value.get()
    before = list(
        ClientSecret.objects.values_list("id", "digest", "last_used_at", "revoked_at", "expires_at")
    )
    for body in [
        b"grant_type=client_credentials&client_id=" + b"%27%20OR%201%3D1%20--" * 10 + b"&client_secret=x",
        b"grant_type=client_credentials&client_id=" + issued.app.client_id.encode() + b"&client_secret=%00",
    ]:
        client.post("/v2/token", body, content_type="application/x-www-form-urlencoded")
    assert (
        list(ClientSecret.objects.values_list("id", "digest", "last_used_at", "revoked_at", "expires_at"))
        == before
    )
    assert TOKENS_ISSUED._value.get() == issued_before


@pytest.mark.parametrize("path", ["/v2/token", "/v1/token", "/v2/token/introspect", "/v2/token/revoke"])
@pytest.mark.parametrize("payload", ["\u00e9\u00e9", "T1E\u00e9", "\u00ff" * 40])
def test_a_basic_header_with_non_ascii_characters_is_a_json_error(client, issued, path, payload):
    """Found by attacking a running server: b64decode raises ValueError (not binascii.Error)
    for non-ASCII text, and an unauthenticated caller got a 500 on every client-auth endpoint."""
    body = urlencode({"grant_type": "client_credentials", "token": "x"})
    response = client.post(
        path, body, content_type="application/x-www-form-urlencoded", HTTP_AUTHORIZATION=f"Basic {payload}"
    )
    assert response.status_code in {400, 401}
    assert response.json()["error"] in {"invalid_request", "invalid_client"}


@pytest.mark.parametrize("path", ["/v2/token", "/v2/token/introspect", "/v2/token/revoke"])
def test_an_oversized_form_is_a_json_413_on_every_token_endpoint(client, issued, path):
    """Past Django's own upload limit (1 MiB) it would answer an HTML 400 before any view."""
    body = urlencode({"token": "A" * 2_000_000, "grant_type": "client_credentials"})
    response = client.post(
        path,
        body,
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION="Basic "
        + base64.b64encode(f"{issued.app.client_id}:{issued.secret}".encode()).decode(),
    )
    assert response.status_code == 413, response.content[:200]
    assert response.json()["error"] == "invalid_request"
