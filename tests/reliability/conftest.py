"""Private PostgreSQL and Redis servers, and gunicorn in front of them, for the fault tests.

The fault tests stop and kill their servers, so they never touch the shared PostgreSQL on
:5432 or the shared Redis on :6379 that the rest of the suite uses: each run starts its own
cluster (``initdb`` in a temporary directory) and its own ``redis-server`` on free
loopback ports, and removes both afterwards.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
import requests

from tests.servers import free_port, gunicorn_command, production_env

ROOT = Path(__file__).resolve().parents[2]
PG_ROOT = Path("/usr/lib/postgresql")
LOAD_SCOPES = ["/twilio/iam/account-oauth-apps/create", "/twilio/monitor/events/list"]
ADMIN_EMAIL = "owner@faults.test"
ADMIN_PASSWORD = "fault-tests-" + uuid.uuid4().hex


def postgres_bin_dir() -> Path | None:
    """The newest installed server's ``bin`` (Debian layout: /usr/lib/postgresql/<major>/bin)."""
    if not PG_ROOT.is_dir():
        return None
    candidates = sorted(
        (path / "bin" for path in PG_ROOT.iterdir() if (path / "bin" / "initdb").exists()),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    return candidates[-1] if candidates else None


def wait_until(check, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise TimeoutError(f"{what} did not happen within {timeout} s")


class PrivatePostgres:
    """A throw-away cluster owned by the ``postgres`` user, reachable on 127.0.0.1:<port>."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = free_port()
        self.home = Path(tempfile.mkdtemp(prefix="oauthapps-faults-pg-"))
        self.data = self.home / "data"
        self.log = self.home / "postgres.log"
        shutil.chown(self.home, user="postgres", group="postgres")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/oauthapps"

    def _as_postgres(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.home,
        )

    def init(self) -> None:
        self._as_postgres(
            str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync"
        )
        self.start()
        self._as_postgres(
            str(self.bin_dir / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "oauthapps",
        )

    def start(self) -> None:
        # fsync off: the tests stop the server cleanly, never the machine; speed matters more.
        options = f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.log),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._as_postgres(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def scalar(self, sql: str) -> str:
        result = self._as_postgres(
            str(self.bin_dir / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            "oauthapps",
            "-Atc",
            sql,
        )
        return result.stdout.strip()

    def destroy(self) -> None:
        if self.running():
            try:
                self._as_postgres(
                    str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"
                )
            except subprocess.SubprocessError:
                pass
        shutil.rmtree(self.home, ignore_errors=True)


class PrivateRedis:
    """``redis-server`` on a free loopback port, without persistence, killable at will."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.answers, 10, "redis-server start")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def keys(self, pattern: str) -> int:
        return sum(1 for _ in redis.Redis.from_url(self.url).scan_iter(match=pattern))

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


@dataclass
class Stack:
    url: str
    env: dict
    postgres: PrivatePostgres
    redis: PrivateRedis
    apps: list[dict] = field(default_factory=list)

    def token(self, app: dict, timeout: float = 5) -> requests.Response:
        return requests.post(
            self.url + "/v2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": app["client_id"],
                "client_secret": app["secret"],
            },
            timeout=timeout,
        )


def _manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


def _production_env(database_url: str, redis_url: str, static_root: Path) -> dict:
    return production_env(
        STATIC_ROOT=str(static_root),
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECURE_COOKIES="false",
        ADMIN_EMAIL=ADMIN_EMAIL,
        ADMIN_PASSWORD=ADMIN_PASSWORD,
        # The load must not trip the token limits; the API limit is what shows local fallback.
        THROTTLE_TOKEN_PER_CLIENT="1000000/60",
        THROTTLE_TOKEN_PER_IP="1000000/60",
        THROTTLE_API_PER_APP="20/60",
        LOG_LEVEL="ERROR",
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """gunicorn (2 workers, production settings) on a private PostgreSQL and Redis."""
    if os.geteuid() != 0:
        pytest.skip("fault tests run as root: they start and stop their own PostgreSQL cluster (runuser)")
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        pytest.skip(
            f"fault tests need PostgreSQL server binaries under {PG_ROOT} (apt-get install postgresql)"
        )
    redis_binary = shutil.which("redis-server")
    if redis_binary is None:
        pytest.skip("fault tests need redis-server (apt-get install redis-server)")
    postgres, redis_server = PrivatePostgres(bin_dir), PrivateRedis(redis_binary)
    server = None
    try:
        postgres.init()
        redis_server.start()
        env = _production_env(postgres.url, redis_server.url, tmp_path_factory.mktemp("static"))
        _manage(env, "migrate", "--noinput")
        _manage(env, "collectstatic", "--noinput")
        _manage(env, "bootstrap")
        apps = [
            json.loads(
                _manage(
                    env,
                    "oauthapp",
                    "create",
                    "--name",
                    f"Load {n}",
                    *sum((["--scope", s] for s in LOAD_SCOPES), []),
                )
            )
            for n in range(2)
        ]
        port = free_port()
        log_file = open(
            tmp_path_factory.mktemp("gunicorn") / "gunicorn.log", "wb"
        )  # open as long as the server runs
        server = subprocess.Popen(
            gunicorn_command(port, 2, "--graceful-timeout", "5", "--no-control-socket"),
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"

        def serving() -> bool:
            try:
                return requests.get(url + "/healthz", timeout=2).ok
            except requests.RequestException:
                return False

        wait_until(serving, 30, "gunicorn start")
        yield Stack(url=url, env=env, postgres=postgres, redis=redis_server, apps=apps)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        redis_server.kill()
        postgres.destroy()
