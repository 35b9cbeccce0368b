"""`make serve`'s configuration: production settings under gunicorn, static files by WhiteNoise."""

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.servers import free_port, production_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = production_env(
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp / "static"),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        PROMETHEUS_MULTIPROC_DIR=str(tmp / "prom"),
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(
        [*manage, "collectstatic", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(url + "/healthz", timeout=5)
            break
        except requests.RequestException:  # not listening yet, or a first answer slow on a busy machine
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_health_and_readiness(server):
    assert requests.get(server + "/healthz", timeout=5).json() == {"status": "ok"}
    assert requests.get(server + "/readyz", timeout=5).json()["status"] == "ready"


def test_static_files_are_hashed_compressed_and_cached_forever(server):
    page = requests.get(server + "/login/", timeout=5)
    assert page.status_code == 200
    stylesheet = re.search(r'href="(/static/console/console\.[0-9a-f]{12}\.css)"', page.text).group(1)
    response = requests.get(server + stylesheet, headers={"Accept-Encoding": "gzip"}, timeout=5)
    assert response.status_code == 200
    assert "max-age=315360000" in response.headers["Cache-Control"]
    assert response.headers.get("Content-Encoding") == "gzip"


def test_production_cookies_are_secure(server):
    page = requests.get(server + "/login/", timeout=5)
    assert (
        "Secure" in page.headers["Set-Cookie"] and "HttpOnly" not in page.headers["Set-Cookie"].split(";")[0]
    )
