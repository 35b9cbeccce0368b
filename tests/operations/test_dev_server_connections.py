"""`make run` on PostgreSQL: the threaded development server must not keep a database
connection per request thread (91 idle connections, then "too many clients" for everyone)."""

import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.db import connection

from tests.factories import make_app
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 60

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture
def database_url():
    if connection.vendor != "postgresql":
        pytest.skip("counts PostgreSQL connections; set DATABASE_URL")
    database = connection.settings_dict
    application_name = f"devserver-{uuid.uuid4().hex[:12]}"
    url = (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
        f"/{database['NAME']}?application_name={application_name}"
    )
    return url, application_name


@pytest.fixture
def dev_server(database_url):
    """``manage.py runserver`` as `make run` starts it (DEBUG on), on the test database."""
    url, _ = database_url
    port = free_port()
    env = {
        **{name: value for name, value in os.environ.items() if name != "DEBUG"},
        "DATABASE_URL": url,
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                requests.get(base + "/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def open_connections(application_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [application_name]
        )
        return cursor.fetchone()[0]


def test_many_requests_leave_few_open_connections(dev_server, database_url, account, member):
    _, application_name = database_url
    issued = make_app(account, user=member.user)
    data = {
        "grant_type": "client_credentials",
        "client_id": issued.app.client_id,
        "client_secret": issued.secret,
    }

    def token(_):
        return requests.post(dev_server + "/v2/token", data=data, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(token, range(REQUESTS)))
    assert statuses.count(200) == REQUESTS, statuses
    time.sleep(0.5)  # the last request threads finish
    assert open_connections(application_name) <= 2
