"""DPoP end to end against a real server process (gunicorn, two workers, SQLite, no Redis),
driven from outside with requests and proofs made by PyJWT and cryptography: a bound token
from /v2/token, used on /v1/Events and at /v1/gateway/check, each proof accepted once
whichever worker answers."""

import json
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest
import requests

from tests.dpop.proofs import DPoPKey
from tests.servers import free_port, gunicorn_command, production_env

ROOT = Path(__file__).resolve().parents[2]
SCOPES = ["/twilio/monitor/events/list", "/twilio/messaging/messages/create"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = production_env(
        DATABASE_URL=f"sqlite:///{tmp_path_factory.mktemp('dpop') / 'db.sqlite3'}",
        OAUTH_ISSUER=url,
        SECURE_COOKIES="false",
        LOG_LEVEL="WARNING",
        REDIS_URL="",
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*manage, "bootstrap"], cwd=ROOT, env=env, check=True, capture_output=True)

    def create(*extra: str) -> dict:
        created = subprocess.run(
            [
                *manage,
                "oauthapp",
                "create",
                "--name",
                "DPoP e2e",
                *sum((["--scope", s] for s in SCOPES), []),
                *extra,
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(created.stdout)

    apps = {"plain": create(), "bound": create("--dpop-bound-access-tokens")}
    assert apps["bound"]["dpop_bound_access_tokens"] is True
    process = subprocess.Popen(
        gunicorn_command(port, 2), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(200):
            try:
                if requests.get(url + "/healthz", timeout=5).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        else:
            pytest.fail("the server did not start")
        yield {"url": url, **apps}
    finally:
        process.terminate()
        process.wait(timeout=10)


def token_request(server, app, proof=None) -> requests.Response:
    headers = {"DPoP": proof} if proof else {}
    return requests.post(
        server["url"] + "/v2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["secret"],
        },
        headers=headers,
        timeout=10,
    )


def test_token_then_events_then_gateway_check(server):
    key = DPoPKey()
    url = server["url"]
    issued = token_request(server, server["plain"], key.proof("POST", url + "/v2/token"))
    assert issued.status_code == 200, issued.text
    assert issued.json()["token_type"] == "DPoP"
    token = issued.json()["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["cnf"]["jkt"] == key.thumbprint

    proof = key.proof("GET", url + "/v1/Events", access_token=token)
    events = requests.get(
        url + "/v1/Events", headers={"Authorization": f"DPoP {token}", "DPoP": proof}, timeout=10
    )
    assert events.status_code == 200, events.text
    # The same proof again, to whichever worker answers: refused (the database remembers it).
    for _ in range(3):
        replay = requests.get(
            url + "/v1/Events", headers={"Authorization": f"DPoP {token}", "DPoP": proof}, timeout=10
        )
        assert replay.status_code == 401
        assert replay.headers["WWW-Authenticate"].startswith('DPoP error="invalid_dpop_proof"')
    as_bearer = requests.get(url + "/v1/Events", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert as_bearer.status_code == 401
    assert as_bearer.headers["WWW-Authenticate"].startswith('DPoP error="invalid_token"')

    account_sid = jwt.decode(token, options={"verify_signature": False})["account_sid"]
    path = f"/2010-04-01/Accounts/{account_sid}/Messages.json"
    check_headers = {
        "Authorization": f"DPoP {token}",
        "X-Original-Method": "POST",
        "X-Original-URI": path,
        "X-Original-Host": "api.twilio.com",
        "X-Forwarded-Proto": "https",
        "Host": "127.0.0.1",
    }
    gateway_proof = key.proof("POST", f"https://api.twilio.com{path}", access_token=token)
    passed = requests.get(
        url + "/v1/gateway/check", headers={**check_headers, "DPoP": gateway_proof}, timeout=10
    )
    assert passed.status_code == 200, passed.text
    again = requests.get(
        url + "/v1/gateway/check", headers={**check_headers, "DPoP": gateway_proof}, timeout=10
    )
    assert again.status_code == 401


def test_an_app_that_requires_dpop_gets_400_without_a_proof(server):
    refused = token_request(server, server["bound"])
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_dpop_proof"
    key = DPoPKey("EdDSA")
    bound = token_request(server, server["bound"], key.proof("POST", server["url"] + "/v2/token"))
    assert bound.status_code == 200 and bound.json()["token_type"] == "DPoP"


def test_a_bad_proof_and_a_replay_are_400_at_the_token_endpoint(server):
    key = DPoPKey("RS256")
    stale = key.proof("POST", server["url"] + "/v2/token", iat=time.time() - 3600)
    assert token_request(server, server["plain"], stale).json()["error"] == "invalid_dpop_proof"
    proof = key.proof("POST", server["url"] + "/v2/token")
    assert token_request(server, server["plain"], proof).status_code == 200
    replay = token_request(server, server["plain"], proof)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_dpop_proof"


def test_unbound_bearer_tokens_work_as_before(server):
    issued = token_request(server, server["plain"])
    assert issued.json()["token_type"] == "Bearer"
    token = issued.json()["access_token"]
    events = requests.get(
        server["url"] + "/v1/Events", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert events.status_code == 200


def test_metadata_advertises_the_proof_algorithms(server):
    metadata = requests.get(server["url"] + "/.well-known/oauth-authorization-server", timeout=10).json()
    assert {"ES256", "RS256"} <= set(metadata["dpop_signing_alg_values_supported"])
