"""Real nginx, configured with docs/nginx-gateway.conf, in front of a tiny upstream, asking a live server."""

import json
import os
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from scopes.catalog import get_catalog
from tests.dpop.proofs import DPoPKey
from tests.factories import AccountFactory, make_app
from tests.oauthapps.test_token_endpoint import credentials
from tests.servers import free_port

pytestmark = pytest.mark.django_db(transaction=True)

NGINX = "/usr/sbin/nginx"
SHIPPED_CONFIG = Path(__file__).resolve().parents[2] / "docs" / "nginx-gateway.conf"
API_HOST = "gateway.example.test"
ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
ACCOUNT_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}"
SEND_SMS = "/twilio/messaging/messages/create"


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with {process.returncode}: {process.stderr.read()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nginx did not listen on {port} within {seconds} s")


def shipped_config(*, listen: int, oauth_apps: str, upstream: str, protected_api_host: str) -> str:
    """docs/nginx-gateway.conf with only its marked lines changed, as an operator would; fails
    if the doc drifts."""
    text = SHIPPED_CONFIG.read_text()
    for old, new in [
        ("listen 8080;", f"listen 127.0.0.1:{listen};"),
        ("server 127.0.0.1:8000;", f"server {oauth_apps};"),
        ("server 127.0.0.1:9000;", f"server {upstream};"),
        ("set $protected_api_host api.twilio.com;", f"set $protected_api_host {protected_api_host};"),
    ]:
        assert text.count(old) == 1, f"{SHIPPED_CONFIG.name} no longer contains {old!r} exactly once"
        text = text.replace(old, new)
    return text


def main_config(prefix: Path) -> str:
    # Everything nginx writes stays under the test's directory.
    temp_paths = "\n".join(
        f"    {name}_temp_path {prefix}/{name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must reach the 0700 test directory
    return (
        f"{user}worker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log info;\n"
        "events { worker_connections 64; }\n"
        f"http {{\n    access_log {prefix}/access.log;\n{temp_paths}\n    include gateway.conf;\n}}\n"
    )


class EchoUpstream(BaseHTTPRequestHandler):
    """The protected API: answers JSON naming the client nginx said was calling."""

    seen: list[dict] = []

    def _answer(self):
        seen = {
            "method": self.command,
            "path": self.path,
            "client_id": self.headers.get("X-OAuth-Client-Id"),
            "account_sid": self.headers.get("X-OAuth-Account-Sid"),
            "scope": self.headers.get("X-OAuth-Scope"),
            "host": self.headers.get("Host"),
            "method_overrides": [
                self.headers.get(name)
                for name in ("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override")
            ],
        }
        self.seen.append(seen)
        body = json.dumps(seen).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = do_PUT = _answer

    def log_message(self, format, *args):
        pass


@pytest.fixture
def account(transactional_db):
    """The account whose sid ACCOUNT_PATH names: the tokens below are this account's."""
    return AccountFactory(sid=ACCOUNT_SID)


@pytest.fixture
def upstream():
    EchoUpstream.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoUpstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def protected_api_host():
    """The API the operator put behind nginx (the file's one marked host line). A test names
    another with ``@pytest.mark.parametrize("protected_api_host", [...])``."""
    return API_HOST


@pytest.fixture
def gateway(tmp_path, live_server, upstream, settings, protected_api_host):
    """nginx on a free loopback port; yields its base URL and stops it afterwards."""
    if not os.path.exists(NGINX):
        pytest.skip(f"{NGINX} is missing: apt-get install nginx-light")
    # live_server runs in a thread of this process: these settings apply to it.
    settings.SCOPES_HOST_ALIASES = {API_HOST: "api"}
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "oauth.example.com"]
    port = free_port()
    (tmp_path / "gateway.conf").write_text(
        shipped_config(
            listen=port,
            oauth_apps=urlsplit(live_server.url).netloc,
            upstream=f"127.0.0.1:{upstream.server_address[1]}",
            protected_api_host=protected_api_host,
        )
    )
    (tmp_path / "nginx.conf").write_text(main_config(tmp_path))
    command = [
        NGINX,
        "-p",
        str(tmp_path),
        "-c",
        str(tmp_path / "nginx.conf"),
        "-e",
        str(tmp_path / "error.log"),
    ]
    subprocess.run([*command, "-t"], check=True, capture_output=True)
    process = subprocess.Popen([*command, "-g", "daemon off;"], stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()


def fetch_token(live_server, issued) -> str:
    response = requests.post(
        live_server.url + "/v2/token",
        data=credentials(issued),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["access_token"]


def send_message(gateway, token=None, *, host=API_HOST, account_path=ACCOUNT_PATH):
    headers = {"Host": host}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.post(
        f"{gateway}{account_path}/Messages.json",
        data={"To": "+15550100", "Body": "hi"},
        headers=headers,
        timeout=10,
    )


def test_token_with_the_permission_reaches_the_upstream(gateway, live_server, account, member):
    sender = make_app(account, user=member.user, scopes=[SEND_SMS])
    response = send_message(gateway, fetch_token(live_server, sender))
    assert response.status_code == 200, response.text
    seen = response.json()
    assert seen["client_id"] == sender.app.client_id
    assert seen["account_sid"] == account.sid
    assert seen["scope"] == SEND_SMS
    assert seen["method"] == "POST" and seen["path"] == f"{ACCOUNT_PATH}/Messages.json"


def test_token_without_the_permission_gets_403_and_never_reaches_the_upstream(gateway, live_server, issued):
    response = send_message(gateway, fetch_token(live_server, issued))
    assert response.status_code == 403
    assert response.json()["code"] == 20403
    assert response.headers["WWW-Authenticate"] == (
        f'Bearer realm="oauth-apps", error="insufficient_scope", scope="{SEND_SMS}"'
    )
    assert EchoUpstream.seen == []


def test_no_token_gets_401_json(gateway):
    response = send_message(gateway)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["status"] == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="oauth-apps"'
    assert EchoUpstream.seen == []


def test_client_cannot_forge_the_identity_headers(gateway, live_server, account, member):
    sender = make_app(account, user=member.user, scopes=[SEND_SMS])
    token = fetch_token(live_server, sender)
    response = requests.post(
        f"{gateway}{ACCOUNT_PATH}/Messages.json",
        headers={
            "Host": API_HOST,
            "Authorization": f"Bearer {token}",
            "X-OAuth-Client-Id": "OQforged",
            "X-Forwarded-Uri": f"{ACCOUNT_PATH}/Calls.json",
        },
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["client_id"] == sender.app.client_id


def test_a_method_override_header_never_reaches_the_upstream(gateway, live_server, account, member):
    """The check authorises the request's own method; an upstream that honours a
    method-override header must not be told to run another one (found by the review)."""
    sender = make_app(account, user=member.user, scopes=[SEND_SMS])
    token = fetch_token(live_server, sender)
    overrides = {name: "DELETE" for name in ("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override")}
    response = requests.post(
        f"{gateway}{ACCOUNT_PATH}/Messages.json",
        headers={"Host": API_HOST, "Authorization": f"Bearer {token}", **overrides},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["method_overrides"] == [None, None, None]


def test_the_clients_host_does_not_pick_the_api(gateway, live_server, account, member):
    # The operator's marked line names the API behind nginx: any Host the client writes is
    # checked against that API, and the upstream is told that host, not the client's.
    sender = make_app(account, user=member.user, scopes=[SEND_SMS])
    response = send_message(gateway, fetch_token(live_server, sender), host="api.attacker.invalid")
    assert response.status_code == 200, response.text
    assert response.json()["host"] == API_HOST


SERVERLESS = "serverless.twilio.com"
SERVICE = "/v1/Services/ZS0123456789abcdef0123456789abcdef"


def delete_service(gateway, token, *, host):
    return requests.delete(
        gateway + SERVICE, headers={"Host": host, "Authorization": f"Bearer {token}"}, timeout=10
    )


@pytest.mark.parametrize("protected_api_host", [SERVERLESS])
@pytest.mark.parametrize("client_host", [SERVERLESS, "messaging.twilio.com", "api.attacker.invalid"])
def test_a_token_for_another_apis_same_path_is_refused_whatever_host_the_client_sends(
    gateway, live_server, account, member, client_host
):
    # DELETE /v1/Services/{Sid} exists on messaging and on serverless: a messaging-only token
    # must not delete a serverless service by writing Host: messaging.twilio.com.
    messaging = make_app(account, user=member.user, scopes=["/twilio/messaging/services/delete"])
    response = delete_service(gateway, fetch_token(live_server, messaging), host=client_host)
    assert response.status_code == 403, response.text
    assert EchoUpstream.seen == []


@pytest.mark.parametrize("protected_api_host", [SERVERLESS])
@pytest.mark.parametrize("client_host", [SERVERLESS, "messaging.twilio.com"])
def test_a_token_for_the_protected_api_passes_whatever_host_the_client_sends(
    gateway, live_server, account, member, client_host
):
    serverless = make_app(account, user=member.user, scopes=["/twilio/serverless/services/delete"])
    response = delete_service(gateway, fetch_token(live_server, serverless), host=client_host)
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "/twilio/serverless/services/delete"
    assert response.json()["host"] == SERVERLESS


def test_a_fragment_in_the_request_target_is_refused(gateway, live_server, account, member):
    # nginx hands the upstream the whole request target, `#` and what follows included.
    sender = make_app(account, user=member.user, scopes=[SEND_SMS])
    with socket.create_connection(("127.0.0.1", int(gateway.rsplit(":", 1)[1])), timeout=10) as raw:
        token = fetch_token(live_server, sender)
        raw.sendall(
            (
                f"POST {ACCOUNT_PATH}/Messages.json#/../Calls.json HTTP/1.1\r\nHost: {API_HOST}\r\n"
                f"Authorization: Bearer {token}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            ).encode()
        )
        status_line = raw.makefile("rb").readline().decode()
    assert status_line.split()[1] == "403", status_line
    assert EchoUpstream.seen == []


def test_a_token_of_one_account_cannot_reach_another_accounts_path(gateway, live_server, account, member):
    sender = make_app(account, user=member.user, scopes=[SEND_SMS])
    other = "/2010-04-01/Accounts/ACffffffffffffffffffffffffffffffff"
    response = send_message(gateway, fetch_token(live_server, sender), account_path=other)
    assert response.status_code == 403, response.text
    assert EchoUpstream.seen == []


def test_invalid_token_gets_401_invalid_token(gateway):
    response = send_message(gateway, "not-a-jwt")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="oauth-apps", error="invalid_token"'
    assert EchoUpstream.seen == []


def test_token_with_100_permissions_passes(gateway, live_server, account, member):
    # The longest names make the largest token an app can have (at most 100 entries).
    # None held by a `*` of another: those would be dropped as covered (counted once).
    names = [p.name for p in get_catalog() if not p.is_wildcard]
    longest = sorted(names, key=len, reverse=True)[:100]
    sender = make_app(
        account, user=member.user, scopes=[SEND_SMS, *[p for p in longest if p != SEND_SMS][:99]]
    )
    assert len(sender.app.scopes) == 100
    token = fetch_token(live_server, sender)
    assert len(token) > 8192  # beyond nginx's default header line
    response = send_message(gateway, token)
    assert response.status_code == 200, response.text
    assert response.json()["client_id"] == sender.app.client_id


# --- DPoP (RFC 9449) through the shipped config ----------------------------------------------


def fetch_bound_token(live_server, issued, key) -> str:
    response = requests.post(
        live_server.url + "/v2/token",
        data=credentials(issued),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "DPoP": key.proof("POST", live_server.url + "/v2/token"),
        },
        timeout=10,
    )
    response.raise_for_status()
    assert response.json()["token_type"] == "DPoP"
    return response.json()["access_token"]


def send_message_dpop(gateway, token, proof=None, *, scheme="DPoP"):
    headers = {"Host": API_HOST, "Authorization": f"{scheme} {token}"}
    if proof is not None:
        headers["DPoP"] = proof
    return requests.post(
        f"{gateway}{ACCOUNT_PATH}/Messages.json?To=x",
        data={"To": "+15550100", "Body": "hi"},
        headers=headers,
        timeout=10,
    )


# nginx forwards $host (without the port) and $scheme: the URL the client called, as the
# Host header it sent names it.
MESSAGES_URL = f"http://{API_HOST}{ACCOUNT_PATH}/Messages.json"


def test_nginx_forwards_the_dpop_proof_of_a_bound_token(gateway, live_server, account, member):
    key = DPoPKey()
    sender = make_app(account, user=member.user, scopes=[SEND_SMS])
    token = fetch_bound_token(live_server, sender, key)
    proof = key.proof("POST", MESSAGES_URL, access_token=token)
    response = send_message_dpop(gateway, token, proof)
    assert response.status_code == 200, response.text
    assert response.json()["client_id"] == sender.app.client_id
    replay = send_message_dpop(gateway, token, proof)
    assert replay.status_code == 401
    assert replay.headers["WWW-Authenticate"].startswith('DPoP error="invalid_dpop_proof"')
    assert len(EchoUpstream.seen) == 1


def test_through_nginx_a_bound_token_without_its_proof_is_refused(gateway, live_server, account, member):
    key = DPoPKey()
    sender = make_app(account, user=member.user, scopes=[SEND_SMS])
    token = fetch_bound_token(live_server, sender, key)
    as_bearer = send_message_dpop(gateway, token, scheme="Bearer")
    assert as_bearer.status_code == 401
    assert as_bearer.headers["WWW-Authenticate"].startswith('DPoP error="invalid_token"')
    assert send_message_dpop(gateway, token).status_code == 401  # DPoP scheme, no proof
    wrong_scheme = key.proof("POST", MESSAGES_URL.replace("http:", "https:"), access_token=token)
    assert send_message_dpop(gateway, token, wrong_scheme).status_code == 401  # nginx said http
    assert EchoUpstream.seen == []
