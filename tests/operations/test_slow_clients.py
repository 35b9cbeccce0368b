"""`make serve` survives slow and idle clients on its own, with no buffering proxy in front.

With sync workers, a socket that never finishes its headers, or a client that reads a big
response slowly, held a whole worker until the 30 s timeout: two of them stopped a
two-worker server. The server must keep answering others at once.
"""

import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.servers import free_port, gunicorn_command, production_env

ROOT = Path(__file__).resolve().parents[2]
# The worker timeout a stuck worker waits for; a request answered well within it was not
# queued behind the hostile sockets (the machine running the suite may be busy: no tighter).
WORKER_TIMEOUT = 30
QUICKLY = 8.0

HOSTILE_SOCKETS = 6  # three times the test server's two workers
# How long the server waits on a client that sends or reads nothing (CLIENT_IO_TIMEOUT_SECONDS).
CLIENT_IO_TIMEOUT = 3
# About 4 MB: more than the loopback socket buffers hold for a reader that does not read.
BIG_STATIC = "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js.map"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`make serve`'s configuration (config/gunicorn.conf.py) with two workers on loopback."""
    tmp = tmp_path_factory.mktemp("slow-clients")
    port = free_port()
    env = production_env(
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp / "static"),
        GUNICORN_TIMEOUT=str(WORKER_TIMEOUT),
        CLIENT_IO_TIMEOUT_SECONDS=str(CLIENT_IO_TIMEOUT),
    )
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True, capture_output=True)
    process = subprocess.Popen(
        gunicorn_command(port, 2),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/healthz", timeout=5).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=20)


def connect(url: str, *, receive_buffer: int | None = None) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer:
        # A tiny window: the server's writes block almost at once, as for a slow reader.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.connect((parts.hostname, parts.port))
    return sock


def answers_quickly(url: str) -> float:
    started = time.monotonic()
    response = requests.get(url + "/healthz", timeout=WORKER_TIMEOUT + 5)
    assert response.status_code == 200
    return time.monotonic() - started


@pytest.fixture
def hostile():
    sockets = []
    yield sockets
    for sock in sockets:
        sock.close()


def test_sockets_that_send_nothing_do_not_hold_the_server(server, hostile):
    hostile.extend(connect(server) for _ in range(HOSTILE_SOCKETS))
    time.sleep(0.3)
    assert answers_quickly(server) < QUICKLY


def test_sockets_that_never_finish_their_headers_do_not_hold_the_server(server, hostile):
    for _ in range(HOSTILE_SOCKETS):
        sock = connect(server)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        hostile.append(sock)
    time.sleep(0.3)
    assert answers_quickly(server) < QUICKLY


def test_slow_readers_of_a_big_response_do_not_hold_the_server(server, hostile):
    assert len(requests.get(server + BIG_STATIC, timeout=30).content) > 3_000_000
    for _ in range(HOSTILE_SOCKETS):
        sock = connect(server, receive_buffer=4096)
        sock.sendall(f"GET {BIG_STATIC} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        sock.recv(1024)  # the response has started; now read nothing more
        hostile.append(sock)
    time.sleep(0.3)
    assert answers_quickly(server) < QUICKLY


def closed_by_server(sock: socket.socket, *, within: float) -> bool:
    """Whether the server closes ``sock`` (EOF or reset) within ``within`` seconds."""
    sock.settimeout(within)
    try:
        while sock.recv(65536):
            pass  # what the server had already sent (a response cut short)
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return True


def test_a_socket_that_never_finishes_its_headers_is_closed(server, hostile):
    """Each such socket holds one thread of eight per worker: unbounded, ~24 of them would hold
    every thread. The server closes it once it has sent nothing for CLIENT_IO_TIMEOUT."""
    sock = connect(server)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    hostile.append(sock)
    assert closed_by_server(sock, within=CLIENT_IO_TIMEOUT + 8)


def test_a_reader_that_stops_reading_is_cut_off(server, hostile):
    full = len(requests.get(server + BIG_STATIC, timeout=30).content)
    sock = connect(server, receive_buffer=4096)
    sock.sendall(f"GET {BIG_STATIC} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    received = len(sock.recv(1024))
    hostile.append(sock)
    time.sleep(CLIENT_IO_TIMEOUT + 6)  # reads nothing while the server's send stalls
    sock.settimeout(10)
    try:
        while chunk := sock.recv(65536):  # what was already in flight, then the server's close
            received += len(chunk)
    except ConnectionResetError:
        pass
    # ``received`` counts the status line and headers too, ``full`` only the body.
    if received >= full:
        # The kernel's socket buffers on loopback (autotuned up to several MB) took the whole
        # answer, so the server's send never stalled: nothing here to cut off.
        pytest.skip("the loopback socket buffers held the whole answer; no send stalled")
    assert received < full
