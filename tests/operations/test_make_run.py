"""`make run` serves at the issuer it prints: tokens, metadata and audience name that server,
and the first start's password box names it too."""

import os
import signal
import subprocess
import time
from pathlib import Path

import requests

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_make_run_on_another_port_names_itself_the_issuer(tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    env.pop("OAUTH_ISSUER", None)
    # `-o install`: never (re)install the virtualenv from a test; the rest is the real target.
    process = subprocess.Popen(
        ["make", "-o", "install", "run", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        metadata = None
        for _ in range(600):
            try:
                metadata = requests.get(f"{issuer}/.well-known/oauth-authorization-server", timeout=2)
                break
            except requests.ConnectionError:
                assert process.poll() is None, "make run stopped before serving"
                time.sleep(0.1)
        assert metadata is not None and metadata.status_code == 200
        assert metadata.json()["issuer"] == issuer
        assert metadata.json()["token_endpoint"] == f"{issuer}/v2/token"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    assert f"Serving the console and OAuth issuer {issuer}" in output
    # The first start's password comes after the migrations, with the address on this port.
    assert output.index(f"Open {issuer}/login/ and log in:") > output.rindex("Applying ")
