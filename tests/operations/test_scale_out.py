"""Two app servers, one PostgreSQL and one Redis: stateless servers that agree at once.

Starts two gunicorn processes on different loopback ports with production settings against
a fresh database, and shows that a token issued by one is accepted by the other, that a
rotation or deletion through one takes effect on the other at once, and that rate-limit
counts are shared.
"""

import base64
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import jwt
import pytest
import redis
import requests

from tests.servers import free_port, gunicorn_command, production_env

ROOT = Path(__file__).resolve().parents[2]
PG = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/12"
SCOPES = [
    "/twilio/iam/account-oauth-apps/read",
    "/twilio/iam/account-oauth-apps/list",
    "/twilio/iam/account-oauth-apps/update",
    "/twilio/iam/account-oauth-apps/delete",
    "/twilio/monitor/events/list",
]

pytestmark = pytest.mark.postgres


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-c", sql], check=True, capture_output=True
    )


def services_available() -> bool:
    try:
        psql("SELECT 1")
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except (subprocess.CalledProcessError, FileNotFoundError, redis.RedisError):
        return False


@pytest.fixture(scope="module")
def cluster():
    if not services_available():
        pytest.skip("needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379")
    name = f"oauthapps_scaleout_{uuid.uuid4().hex[:8]}"
    psql(f"CREATE DATABASE {name}")
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = production_env(
        DATABASE_URL=f"{PG}/{name}",
        REDIS_URL=REDIS_URL,
        SECURE_COOKIES="false",
        THROTTLE_CLIENT_AUTH_FAILURES_PER_CLIENT_IP="6/300",
        LOG_LEVEL="WARNING",
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*manage, "bootstrap"], cwd=ROOT, env=env, check=True, capture_output=True)
    created = subprocess.run(
        [*manage, "oauthapp", "create", "--name", "Scale-out", *sum((["--scope", s] for s in SCOPES), [])],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    app = json.loads(created.stdout)
    servers, urls = [], []
    for _ in range(2):
        port = free_port()
        servers.append(
            subprocess.Popen(
                gunicorn_command(port, 1),
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    for url in urls:
        for _ in range(100):
            try:
                if requests.get(url + "/healthz", timeout=5).ok:
                    break
            except requests.RequestException:  # not listening yet, or slow on a busy machine
                time.sleep(0.1)
        else:
            pytest.fail(f"server {url} did not start")
    yield {"a": urls[0], "b": urls[1], "app": app, "env": env}
    for server in servers:
        server.terminate()
    for server in servers:
        server.wait(timeout=10)
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def token_from(url: str, client_id: str, secret: str) -> requests.Response:
    return requests.post(
        url + "/v2/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        timeout=10,
    )


def basic(client_id: str, secret: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def introspect(url, app, token) -> dict:
    return requests.post(
        url + "/v2/token/introspect",
        data={"token": token},
        headers=basic(app["client_id"], app["secret"]),
        timeout=10,
    ).json()


def gateway(url, token) -> int:
    return requests.get(
        url + "/v1/gateway/check",
        timeout=10,
        headers={
            "Authorization": f"Bearer {token}",
            "X-Original-Method": "GET",
            "X-Original-URI": "/v1/Events",
            "X-Original-Host": "monitor.twilio.com",
        },
    ).status_code


def test_token_from_one_server_is_accepted_by_the_other(cluster):
    app = cluster["app"]
    token = token_from(cluster["a"], app["client_id"], app["secret"]).json()["access_token"]
    assert introspect(cluster["b"], app, token)["active"] is True
    assert gateway(cluster["b"], token) == 200
    jwks = requests.get(cluster["b"] + "/.well-known/jwks.json", timeout=10).json()
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == kid)).key
    assert (
        jwt.decode(token, key, algorithms=["RS256", "ES256"], options={"verify_aud": False})["sub"]
        == app["client_id"]
    )
    listing = requests.get(
        cluster["b"] + "/v1/Account/OAuthApps", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert listing.status_code == 200


def test_rate_limit_counts_are_shared(cluster):
    redis.Redis.from_url(REDIS_URL).flushdb()
    app = cluster["app"]
    statuses = [token_from(cluster[server], app["client_id"], "wrong").status_code for server in "ababab"]
    assert statuses == [401] * 6
    assert token_from(cluster["a"], app["client_id"], "wrong").status_code == 429
    assert token_from(cluster["b"], app["client_id"], "wrong").status_code == 429
    redis.Redis.from_url(REDIS_URL).flushdb()


def test_rotation_and_deletion_through_one_take_effect_on_the_other_at_once(cluster):
    redis.Redis.from_url(REDIS_URL).flushdb()
    app = cluster["app"]
    token = token_from(cluster["a"], app["client_id"], app["secret"]).json()["access_token"]
    rotated = requests.post(
        cluster["a"] + f"/v1/Account/OAuthApps/{app['client_id']}/Secret",
        json={"revoke_previous": True},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert rotated.status_code in (200, 201), rotated.text
    new_secret = rotated.json()["secret"]
    assert token_from(cluster["b"], app["client_id"], app["secret"]).status_code == 401
    fresh = token_from(cluster["b"], app["client_id"], new_secret)
    assert fresh.status_code == 200
    deleted = requests.delete(
        cluster["b"] + f"/v1/Account/OAuthApps/{app['client_id']}",
        headers={"Authorization": f"Bearer {fresh.json()['access_token']}"},
        timeout=10,
    )
    assert deleted.status_code == 204
    assert gateway(cluster["a"], token) == 401
    assert token_from(cluster["a"], app["client_id"], new_secret).status_code == 401
