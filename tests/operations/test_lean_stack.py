"""The lean middleware stack of the hot paths (console/lean_stack.py), through the real WSGI
application (config.wsgi), as gunicorn and runserver call it: Django's test client builds
its own handler from MIDDLEWARE and would not show which stack served a request."""

import http.client
import io
import json
import logging
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from unittest import mock
from urllib.parse import urlencode
from wsgiref.headers import Headers

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import OperationalError, close_old_connections, connection, reset_queries
from django.db.backends.utils import CursorWrapper
from django.test.utils import CaptureQueriesContext

from console.db_unavailable import MESSAGE
from console.lean_stack import LeanMiddlewareHandler, LeanPathRouter, lean_paths_application
from tests.factories import PASSWORD
from tests.servers import free_port, gunicorn_command, production_env

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db

# Tables only the console's middleware reads: sessions, users, memberships.
CONSOLE_TABLES = re.compile(r'"(django_session|console_user|console_membership)"')
SKIPPED = {
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "console.session_limits.SessionLimitsMiddleware",
    "console.middleware.CurrentAccountMiddleware",
}


@dataclass
class Answer:
    status: int
    headers: Headers
    body: bytes
    queries: list[str]

    def cookies(self) -> SimpleCookie:
        jar = SimpleCookie()
        for line in self.headers.get_all("Set-Cookie"):
            jar.load(line)
        return jar

    def varies_on_cookie(self) -> bool:
        return "cookie" in (self.headers.get("Vary") or "").lower()


def call(application, method: str, path: str, *, body: bytes = b"", **headers: str) -> Answer:
    """One request through ``application`` with a WSGI environ as gunicorn builds it
    (``PATH_INFO`` percent-decoded, headers as ``HTTP_*``), and the SQL it ran."""
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "testserver",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        key = name.upper()
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    started: list = []
    # As Django's test client does: the test's transaction must survive the request's
    # connection housekeeping (close_old_connections would close it mid-test).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    reset_queries()
    try:
        with CaptureQueriesContext(connection) as captured:
            result = application(
                environ, lambda status, headers, exc_info=None: started.extend([status, headers])
            )
            try:
                content = b"".join(result)
            finally:
                result.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    status, header_list = started
    return Answer(int(status.split()[0]), Headers(header_list), content, [q["sql"] for q in captured])


def console_queries(answer: Answer) -> list[str]:
    return [sql for sql in answer.queries if CONSOLE_TABLES.search(sql)]


@pytest.fixture(scope="module")
def application():
    from config.wsgi import application

    assert isinstance(application, LeanPathRouter), "LEAN_STACK is off in this environment"
    return application


@pytest.fixture
def full(application):
    """The same site through the full stack only: what every path got before."""
    return application.full


@pytest.fixture
def signed_in(client, member) -> str:
    """A console user's session cookie, as a browser signed in to the console sends it."""
    client.force_login(member.user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def token_form(issued) -> bytes:
    return urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": issued.app.client_id,
            "client_secret": issued.secret,
        }
    ).encode()


def post_token(application, issued, **headers) -> Answer:
    return call(
        application,
        "POST",
        "/v2/token",
        body=token_form(issued),
        content_type="application/x-www-form-urlencoded",
        **headers,
    )


def gateway_check(application, token: str, client_id: str, **headers) -> Answer:
    """May ``token`` read the app ``client_id`` (the default scopes' IAM read)?"""
    return call(
        application,
        "GET",
        "/v1/gateway/check",
        authorization=f"Bearer {token}",
        x_original_method="GET",
        x_original_uri=f"/v1/Account/OAuthApps/{client_id}",
        x_original_host="iam.twilio.com",
        **headers,
    )


# --- which stack -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", settings.LEAN_PATHS)
def test_exactly_the_lean_paths_go_through_the_lean_stack(path):
    router = LeanPathRouter(mock.Mock(name="full"), mock.Mock(name="lean"), settings.LEAN_PATHS)
    router({"PATH_INFO": path}, None)
    router.lean.assert_called_once()
    router.full.assert_not_called()


@pytest.mark.parametrize(
    "path",
    [
        "/v2/token/",
        "//v2/token",
        "/V2/token",
        "/v2/Token",
        "/v2/token/..",
        "/v2/token/../django-admin/",
        "/v2/token/./",
        "/v2/token%2F..",
        "/v2/token;x",
        "/v2/token ",
        "/v2/tokens",
        "/v2/token/introspect/",
        "/v1/gateway/check/",
        "/v1/gateway",
        "/./v1/gateway/check",
        "/v2",
        "/",
        "",
        "/django-admin/",
        "/login/",
    ],
)
def test_every_other_path_goes_through_the_full_stack(path):
    router = LeanPathRouter(mock.Mock(name="full"), mock.Mock(name="lean"), settings.LEAN_PATHS)
    router({"PATH_INFO": path}, None)
    router.full.assert_called_once()
    router.lean.assert_not_called()


def test_without_lean_paths_the_application_is_django_s_own(settings):
    settings.LEAN_PATHS = []
    django_application = mock.Mock()
    assert lean_paths_application(django_application) is django_application


def test_lean_middleware_keeps_the_full_stack_s_order_and_skips_only_the_console_s():
    assert [
        name for name in settings.MIDDLEWARE if name in settings.LEAN_MIDDLEWARE
    ] == settings.LEAN_MIDDLEWARE
    # A middleware added to MIDDLEWARE fails this until someone decides whether the hot
    # paths need it too.
    assert set(settings.MIDDLEWARE) - set(settings.LEAN_MIDDLEWARE) == SKIPPED


def test_building_the_lean_handler_leaves_middleware_as_it_was():
    before = list(settings.MIDDLEWARE)
    LeanMiddlewareHandler()
    assert settings.MIDDLEWARE == before


# --- the lean paths --------------------------------------------------------------------------


def test_token_issued_without_cookies_and_with_every_security_header(application, issued):
    answer = post_token(application, issued)
    assert answer.status == 200, answer.body
    assert b'"access_token"' in answer.body
    assert answer.headers.get_all("Set-Cookie") == []
    assert not answer.varies_on_cookie()
    assert answer.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert answer.headers["Permissions-Policy"]
    assert answer.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["Cache-Control"] == "no-store"
    assert int(answer.headers["Content-Length"]) == len(answer.body)


def test_headers_are_the_full_stack_s_but_vary_cookie(application, full, issued, signed_in):
    lean = post_token(application, issued, cookie=signed_in)
    before = post_token(full, issued, cookie=signed_in)
    assert (lean.status, before.status) == (200, 200)
    assert before.varies_on_cookie() and not lean.varies_on_cookie()
    ignored = {"vary", "x-request-id", "content-length"}
    assert {name.lower() for name in lean.headers.keys()} - ignored == {
        name.lower() for name in before.headers.keys()
    } - ignored


def test_a_console_session_sent_to_the_gateway_check_is_not_read(application, full, issued, signed_in):
    token = json.loads(post_token(application, issued).body)["access_token"]
    lean = gateway_check(application, token, issued.app.client_id, cookie=signed_in)
    assert lean.status == 200, lean.body
    assert console_queries(lean) == []
    assert lean.headers.get_all("Set-Cookie") == [] and not lean.varies_on_cookie()
    # The same request through the full stack loads the session, the user and the
    # membership: what the lean stack saves.
    before = gateway_check(full, token, issued.app.client_id, cookie=signed_in)
    assert before.status == 200
    assert console_queries(before) and before.varies_on_cookie()
    assert len(lean.queries) < len(before.queries)


def test_a_console_session_sent_to_the_token_endpoint_is_not_read(application, issued, signed_in):
    answer = post_token(application, issued, cookie=signed_in)
    assert answer.status == 200
    assert console_queries(answer) == []


def test_a_path_that_is_not_exactly_lean_gets_the_full_stack(application, signed_in):
    answer = call(application, "POST", "/v2/token/", cookie=signed_in)
    assert answer.status == 404
    assert console_queries(answer) and answer.varies_on_cookie()


def test_one_log_line_with_the_request_id(application, issued, caplog):
    caplog.set_level(logging.INFO, logger="oauthapps.requests")
    answer = post_token(application, issued, x_request_id="lean-request-0001")
    [record] = [r for r in caplog.records if r.name == "oauthapps.requests"]
    assert answer.headers["X-Request-ID"] == "lean-request-0001"
    assert (record.request_id, record.method, record.path, record.status) == (
        "lean-request-0001",
        "POST",
        "/v2/token",
        200,
    )
    assert record.client_id == issued.app.client_id


def test_an_unknown_host_is_still_refused(application, issued):
    assert post_token(application, issued, host="evil.example").status == 400


@pytest.mark.parametrize("path", ["/v2/token", "/v2/token/introspect", "/v2/token/revoke"])
def test_a_database_outage_is_still_a_json_503_with_the_oauth_fields(application, issued, path):
    with mock.patch.object(CursorWrapper, "execute", side_effect=OperationalError("server closed")):
        answer = call(
            application,
            "POST",
            path,
            body=token_form(issued) + b"&token=x",
            content_type="application/x-www-form-urlencoded",
        )
    assert answer.status == 503, answer.body
    assert answer.headers["Retry-After"] == "5"
    assert answer.headers["Content-Type"] == "application/json"
    assert b'"error": "temporarily_unavailable"' in answer.body and MESSAGE.encode() in answer.body
    assert answer.headers["X-Request-ID"]


def test_a_database_outage_on_the_gateway_check_is_a_json_503(application, issued):
    token = json.loads(post_token(application, issued).body)["access_token"]
    with mock.patch.object(CursorWrapper, "execute", side_effect=OperationalError("server closed")):
        answer = gateway_check(application, token, issued.app.client_id)
    assert answer.status == 503, answer.body
    assert answer.headers["Retry-After"] == "5"
    assert b'"status": 503' in answer.body


# --- the console, unchanged ------------------------------------------------------------------


def test_the_console_sign_in_still_sets_its_cookies(application, member):
    page = call(application, "GET", "/login/")
    assert page.status == 200 and page.varies_on_cookie()
    csrf = page.cookies()[settings.CSRF_COOKIE_NAME].value
    signed_in = call(
        application,
        "POST",
        "/login/",
        body=urlencode(
            {"username": member.user.email, "password": PASSWORD, "csrfmiddlewaretoken": csrf}
        ).encode(),
        content_type="application/x-www-form-urlencoded",
        cookie=f"{settings.CSRF_COOKIE_NAME}={csrf}",
    )
    assert signed_in.status == 302, signed_in.body
    assert settings.SESSION_COOKIE_NAME in signed_in.cookies()


def test_the_admin_still_sets_its_csrf_cookie(application):
    page = call(application, "GET", "/django-admin/login/")
    assert page.status == 200
    assert settings.CSRF_COOKIE_NAME in page.cookies()


def test_a_console_post_without_csrf_is_still_refused(application, member):
    assert call(application, "POST", "/login/", body=b"username=x&password=y").status == 403


# --- under gunicorn ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """`make serve`'s configuration, one worker, on a database it never needs to reach: the
    requests below are refused by their shape before any query."""
    tmp = tmp_path_factory.mktemp("lean")
    port = free_port()
    env = production_env(DATABASE_URL=f"sqlite:///{tmp / 'empty.sqlite3'}", STATIC_ROOT=str(tmp / "static"))
    process = subprocess.Popen(
        gunicorn_command(port, 1), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.2)
    yield port
    process.terminate()
    process.wait(timeout=20)


def served_by_full_stack(port: int, target: str) -> bool:
    """Send ``target`` as the request line has it; the full stack's answers vary on Cookie
    (the console's middleware reads the session, even an empty one), the lean stack's not."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", target, body=b"", headers={"Content-Type": "text/plain"})
    response = connection.getresponse()
    response.read()
    assert response.getheader("X-Request-ID"), target
    return "cookie" in (response.getheader("Vary") or "").lower()


@pytest.mark.parametrize(
    "target",
    ["/v2/token", "/v2/token?grant_type=x", "/v2/%74oken", "/v1/gateway/check", "/v2/token/introspect"],
)
def test_gunicorn_serves_the_lean_paths_through_the_lean_stack(gunicorn, target):
    assert not served_by_full_stack(gunicorn, target)


@pytest.mark.parametrize(
    "target",
    [
        "/v2/token/",
        "//v2/token",
        "/V2/token",
        "/v2/token%2F..",
        "/v2/token/../v2/token",
        "/v2/token/%2e%2e/django-admin/",
        "/v2/%74oken/",
        "/v2/token;x",
        "/v1/gateway/check/",
        "/healthz",
    ],
)
def test_gunicorn_serves_every_other_path_through_the_full_stack(gunicorn, target):
    assert served_by_full_stack(gunicorn, target)
