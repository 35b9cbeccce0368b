"""Soak test: tokens, API calls and console pages together for a few minutes, on loopback.

Creates its own database on the local PostgreSQL (dropped at the end), migrates and
bootstraps it, starts gunicorn with production settings on 127.0.0.1 with Redis DB 13 as
the shared cache, and drives together:

- token issuance for many clients (``POST /v2/token``),
- API calls with those tokens (``GET /v1/Account/OAuthApps``, ``GET /v1/Events``),
- console traffic (``GET /login/``, ``POST /login/``, the OAuth apps list, ``/healthz``),
- once a minute, a deliberate burst from one client until the per-client limit answers 429.

Every 15 s and at the end it reports requests by kind, errors (anything but the expected
answer; the burst's 429s are expected), RSS of each gunicorn worker and the number of
PostgreSQL connections to its database. It exits non-zero when there was any error, when a
worker's memory grew beyond the tolerance after warm-up, when a worker was replaced, or when
the connections exceeded the bound; the full report goes to ``bench-results/soak-<ts>.json``.

    .venv/bin/python scripts/soak.py --minutes 3
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis
import requests

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench-results"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
ADMIN_EMAIL = "soak-owner@soak.test"
ADMIN_PASSWORD = "soak-" + uuid.uuid4().hex
API_SCOPES = [
    "/twilio/iam/account-oauth-apps/list",
    "/twilio/iam/account-oauth-apps/create",
    "/twilio/monitor/events/list",
]
SAMPLE_SECONDS = 2.0
BURST_EVERY_SECONDS = 60.0
BURST_MAX_REQUESTS = 1000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="duration of the load (default 3)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--clients", type=int, default=30, help="OAuth apps issuing tokens (default 30)")
    parser.add_argument("--token-rate", type=float, default=30.0, help="token requests per second")
    parser.add_argument("--api-rate", type=float, default=30.0, help="API calls per second")
    parser.add_argument("--console-rate", type=float, default=0.5, help="console sign-in cycles per second")
    parser.add_argument("--report-every", type=float, default=15.0, help="seconds between progress reports")
    parser.add_argument(
        "--warmup",
        type=float,
        help="seconds before memory is baselined (default: 90, or half the run if shorter)",
    )
    parser.add_argument(
        "--rss-tolerance-mib", type=float, default=16.0, help="allowed RSS growth per worker after warm-up"
    )
    parser.add_argument(
        "--max-db-connections",
        type=int,
        help="bound on connections to the soak database (default workers + 1)",
    )
    parser.add_argument(
        "--postgres", default="postgres://postgres@127.0.0.1:5432", help="server, no database"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13", help="a Redis DB of its own")
    args = parser.parse_args(argv)
    for url in (args.postgres, args.redis_url):
        if urlsplit(url).hostname not in LOOPBACK:
            parser.error(f"loopback only: {url} is not on 127.0.0.1")
    if args.warmup is None:
        # Workers fill their caches (templates, URL resolvers, the catalog, DOT's and DRF's
        # lazily built objects) for about 100 s at this load, then stay flat.
        args.warmup = min(90.0, args.minutes * 30)
    if args.max_db_connections is None:
        args.max_db_connections = args.workers + 1
    return args


# ---------------------------------------------------------------------------------------------
# Recording


@dataclass
class KindStats:
    requests: int = 0
    errors: int = 0
    statuses: Counter = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)

    def summary(self) -> dict:
        ordered = sorted(self.latencies_ms)

        def quantile(q: float) -> float | None:
            return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else None

        return {
            "requests": self.requests,
            "errors": self.errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "p50_ms": quantile(0.50),
            "p95_ms": quantile(0.95),
            "p99_ms": quantile(0.99),
            "max_ms": round(ordered[-1], 1) if ordered else None,
        }


class Recorder:
    """Thread-safe tallies by kind of request, with the first few errors kept as examples."""

    def __init__(self) -> None:
        self.kinds: dict[str, KindStats] = defaultdict(KindStats)
        self.error_examples: list[dict] = []
        self.deliberate_429 = 0
        self.bursts: list[dict] = []
        self._lock = threading.Lock()

    def record(self, kind: str, status: int, seconds: float, error: str | None = None) -> None:
        with self._lock:
            stats = self.kinds[kind]
            stats.requests += 1
            stats.statuses[status] += 1
            stats.latencies_ms.append(seconds * 1000)
            if error:
                stats.errors += 1
                if len(self.error_examples) < 20:
                    self.error_examples.append({"kind": kind, "status": status, "error": error[:300]})

    def totals(self) -> tuple[int, int]:
        with self._lock:
            return sum(s.requests for s in self.kinds.values()), sum(s.errors for s in self.kinds.values())

    def counts(self) -> dict[str, tuple[int, int]]:
        with self._lock:
            return {kind: (s.requests, s.errors) for kind, s in sorted(self.kinds.items())}


def timed(recorder: Recorder, kind: str, call, expected: set[int]) -> requests.Response | None:
    """Make one request; anything but an expected status (or no answer) is an error."""
    started = time.monotonic()
    try:
        response = call()
    except requests.RequestException as exc:
        recorder.record(kind, 0, time.monotonic() - started, f"{type(exc).__name__}: {exc}")
        return None
    elapsed = time.monotonic() - started
    error = (
        None if response.status_code in expected else f"HTTP {response.status_code}: {response.text[:200]}"
    )
    recorder.record(kind, response.status_code, elapsed, error)
    return response


def paced(rate: float, stop: threading.Event):
    """Yield ``rate`` times a second until ``stop``; when behind, skip rather than burst."""
    interval = 1.0 / rate
    next_at = time.monotonic()
    while not stop.is_set():
        yield
        next_at += interval
        delay = next_at - time.monotonic()
        if delay > 0:
            stop.wait(delay)
        else:
            next_at = time.monotonic()


# ---------------------------------------------------------------------------------------------
# The product under test


class Product:
    """A fresh database, Redis DB, and gunicorn in front of them; removed by ``close()``."""

    def __init__(self, args: argparse.Namespace, stamp: str) -> None:
        self.args = args
        self.database = f"oauthapps_soak_{stamp.lower()}"
        self.home = Path(tempfile.mkdtemp(prefix="oauthapps-soak-"))
        self.url = ""
        self.server: subprocess.Popen | None = None
        self.created_database = False
        self.env = {
            **os.environ,
            "DATABASE_URL": f"{args.postgres.rstrip('/')}/{self.database}",
            "REDIS_URL": args.redis_url,
            "DEBUG": "false",
            "SECRET_KEY": "soak-" + uuid.uuid4().hex * 2,
            "CLIENT_SECRET_DIGEST_KEY": "soak-digest-" + uuid.uuid4().hex,
            "AUDIT_CHAIN_KEY": "soak-audit-chain-" + uuid.uuid4().hex,
            "ALLOWED_HOSTS": "127.0.0.1",
            "OAUTH_ISSUER": "http://127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "STATIC_ROOT": str(self.home / "static"),
            "ADMIN_EMAIL": ADMIN_EMAIL,
            "ADMIN_PASSWORD": ADMIN_PASSWORD,
            # Every simulated client and user shares one loopback address: the per-IP limits
            # would measure that, not the product. Per-client and per-app limits keep their
            # defaults, and the burst trips the per-client one.
            "THROTTLE_TOKEN_PER_IP": "1000000/60",
            "THROTTLE_LOGIN_PER_IP": "1000000/900",
            "LOG_LEVEL": "WARNING",
        }

    def _pg(self, tool: str, *args: str) -> None:
        server = urlsplit(self.args.postgres)
        subprocess.run(  # noqa: S603 - our own arguments, no shell
            [
                shutil.which(tool) or tool,
                *("-h", server.hostname or "127.0.0.1", "-p", str(server.port or 5432)),
                *("-U", server.username or "postgres", *args),
            ],
            check=True,
            capture_output=True,
            text=True,
        )

    def manage(self, *args: str) -> str:
        return subprocess.run(  # noqa: S603 - our own arguments, no shell
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def prepare(self) -> dict:
        self._pg("createdb", self.database)
        self.created_database = True
        redis.Redis.from_url(self.args.redis_url).flushdb()
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput")
        self.manage("bootstrap")
        scopes = sum((["--scope", scope] for scope in API_SCOPES), [])
        return json.loads(self.manage("oauthapp", "create", "--name", "Soak seed", *scopes))

    def serve(self) -> None:
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        log = open(self.home / "gunicorn.log", "wb")  # open as long as the server runs
        self.server = subprocess.Popen(  # noqa: S603 - our own arguments, no shell
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(self.args.workers),
                "--limit-request-field_size",
                "16384",
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if (
                    requests.get(self.url + "/readyz", timeout=2).ok
                    and len(self.workers()) == self.args.workers
                ):
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not become ready; see {self.home / 'gunicorn.log'}")

    def workers(self) -> list[int]:
        """The gunicorn master's children, from /proc."""
        if self.server is None:
            return []
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.server.pid:
                    children.append(int(entry.name))
        return sorted(children)

    def database_connections(self) -> int:
        with psycopg.connect(f"{self.args.postgres.rstrip('/')}/postgres", connect_timeout=5) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [self.database]
            ).fetchone()
        return int(row[0])

    def close(self) -> list[str]:
        problems = []
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
        try:
            redis.Redis.from_url(self.args.redis_url).flushdb()
        except redis.RedisError as exc:
            problems.append(f"could not flush {self.args.redis_url}: {exc}")
        if self.created_database:
            try:
                self._pg("dropdb", "--force", self.database)
            except subprocess.CalledProcessError as exc:
                problems.append(f"could not drop {self.database}: {exc.stderr.strip()}")
        shutil.rmtree(self.home, ignore_errors=True)
        return problems


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


# ---------------------------------------------------------------------------------------------
# Load


@dataclass
class Client:
    client_id: str
    secret: str
    token: str = ""


def token_form(client: Client) -> dict:
    return {"grant_type": "client_credentials", "client_id": client.client_id, "client_secret": client.secret}


def create_clients(url: str, seed: dict, count: int) -> tuple[list[Client], Client]:
    """``count`` load clients and one burst client, created through the IAM API."""
    token = requests.post(
        url + "/v2/token", data=token_form(Client(seed["client_id"], seed["secret"])), timeout=10
    )
    token.raise_for_status()
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    clients = []
    for n in range(count + 1):
        created = requests.post(
            url + "/v1/Account/OAuthApps",
            json={
                "friendly_name": f"Soak client {n}",
                "description": "scripts/soak.py",
                "type": "client_credentials",
                "policy": {"allow": API_SCOPES[::2], "deny": []},
            },
            headers=headers,
            timeout=10,
        )
        if created.status_code != 201:
            raise RuntimeError(f"creating a client failed: HTTP {created.status_code} {created.text[:300]}")
        clients.append(Client(created.json()["client_id"], created.json()["secret"]))
    for client in clients:
        answer = requests.post(url + "/v2/token", data=token_form(client), timeout=10)
        answer.raise_for_status()
        client.token = answer.json()["access_token"]
    return clients[:-1], clients[-1]


def token_load(
    url: str, clients: list[Client], rate: float, stop: threading.Event, recorder: Recorder
) -> None:
    session = requests.Session()
    for n, _ in enumerate(paced(rate, stop)):
        client = clients[n % len(clients)]
        response = timed(
            recorder,
            "token",
            lambda c=client: session.post(url + "/v2/token", data=token_form(c), timeout=10),
            {200},
        )
        if response is not None and response.status_code == 200:
            client.token = response.json()["access_token"]


def api_load(url: str, clients: list[Client], rate: float, stop: threading.Event, recorder: Recorder) -> None:
    session = requests.Session()
    paths = [("api-iam", "/v1/Account/OAuthApps?PageSize=20"), ("api-events", "/v1/Events?PageSize=20")]
    for n, _ in enumerate(paced(rate, stop)):
        client = clients[n % len(clients)]
        kind, path = paths[n % 2]
        headers = {"Authorization": f"Bearer {client.token}"}
        timed(recorder, kind, lambda p=path, h=headers: session.get(url + p, headers=h, timeout=10), {200})


def console_cycle(url: str, recorder: Recorder) -> None:
    """What a person does: open the sign-in page, sign in, look at the apps, sign out."""
    session = requests.Session()
    page = timed(recorder, "console", lambda: session.get(url + "/login/", timeout=10), {200})
    if page is None or page.status_code != 200:
        return
    csrf = {"csrfmiddlewaretoken": session.cookies.get("csrftoken", "")}
    form = {**csrf, "username": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    post = lambda: session.post(url + "/login/", data=form, timeout=10, allow_redirects=False)  # noqa: E731
    if (signed_in := timed(recorder, "console", post, {302})) is None or signed_in.status_code != 302:
        return
    timed(recorder, "console", lambda: session.get(url + "/console/oauth-apps/", timeout=10), {200})
    timed(recorder, "console", lambda: session.get(url + "/healthz", timeout=10), {200})
    csrf = {"csrfmiddlewaretoken": session.cookies.get("csrftoken", "")}
    logout = lambda: session.post(url + "/logout/", data=csrf, timeout=10, allow_redirects=False)  # noqa: E731
    timed(recorder, "console", logout, {302})


def console_load(url: str, rate: float, stop: threading.Event, recorder: Recorder) -> None:
    for _ in paced(rate, stop):
        console_cycle(url, recorder)


def burst(url: str, client: Client, recorder: Recorder) -> dict:
    """One client asks for tokens back to back until the per-client limit answers 429."""
    session = requests.Session()
    result = {"at": time.monotonic(), "ok": 0, "throttled": 0, "retry_after": None}
    for _ in range(BURST_MAX_REQUESTS):
        response = timed(
            recorder,
            "burst",
            lambda: session.post(url + "/v2/token", data=token_form(client), timeout=10),
            {200, 429},
        )
        if response is None:
            continue
        if response.status_code == 429:
            result["throttled"] += 1
            result["retry_after"] = response.headers.get("Retry-After")
            if result["throttled"] >= 5:
                break
        elif response.status_code == 200:
            result["ok"] += 1
    with recorder._lock:
        recorder.deliberate_429 += result["throttled"]
    if not result["throttled"] or not result["retry_after"]:
        recorder.record("burst", 0, 0.0, "the deliberate burst was never answered 429 with Retry-After")
    return result


def burst_load(url: str, client: Client, stop: threading.Event, recorder: Recorder) -> None:
    stop.wait(20)
    while not stop.is_set():
        recorder.bursts.append(burst(url, client, recorder))
        stop.wait(BURST_EVERY_SECONDS)


# ---------------------------------------------------------------------------------------------
# Sampling and reporting


@dataclass
class Sample:
    elapsed: float
    rss_mib: dict[int, float]
    db_connections: int | None
    requests: int
    errors: int


def slope_mib_per_minute(points: list[tuple[float, float]]) -> float:
    if len(points) < 2:
        return 0.0
    xs, ys = [p[0] / 60 for p in points], [p[1] for p in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread if spread else 0.0


def baseline(points: list[tuple[float, float]], bucket_seconds: float = 10.0) -> list[tuple[float, float]]:
    """The lowest RSS of each 10 s: what a worker keeps. Each console sign-in allocates
    Argon2's 100 MiB for a moment (Django's ``memory_cost``), a spike that is not a leak."""
    buckets: dict[int, tuple[float, float]] = {}
    for elapsed, value in points:
        key = int(elapsed // bucket_seconds)
        if key not in buckets or value < buckets[key][1]:
            buckets[key] = (elapsed, value)
    return [buckets[key] for key in sorted(buckets)]


def memory_summary(samples: list[Sample], workers: list[int], warmup: float) -> dict:
    """Per worker: first/last/max RSS, and after warm-up the growth of the baseline (median
    of its last fifth minus median of its first fifth) and its slope."""
    summary = {}
    for pid in workers:
        series = [(s.elapsed, s.rss_mib[pid]) for s in samples if pid in s.rss_mib]
        if not series:
            continue
        steady = baseline([point for point in series if point[0] >= warmup] or series)
        fifth = max(1, len(steady) // 5)
        growth = statistics.median(v for _, v in steady[-fifth:]) - statistics.median(
            v for _, v in steady[:fifth]
        )
        summary[str(pid)] = {
            "first_mib": round(series[0][1], 1),
            "after_warmup_mib": round(steady[0][1], 1),
            "last_mib": round(series[-1][1], 1),
            "max_mib": round(max(v for _, v in series), 1),
            "growth_after_warmup_mib": round(growth, 1),
            "slope_mib_per_min": round(slope_mib_per_minute(steady), 2),
        }
    return summary


def progress_line(started: float, recorder: Recorder, sample: Sample | None) -> str:
    counts = recorder.counts()
    kinds = ", ".join(f"{kind} {n}" + (f" ({e} errors)" if e else "") for kind, (n, e) in counts.items())
    rss = " ".join(f"{v:.0f}" for _, v in sorted(sample.rss_mib.items())) if sample else "?"
    connections = sample.db_connections if sample else "?"
    return (
        f"[{time.monotonic() - started:6.0f} s] {kinds}; 429 deliberate {recorder.deliberate_429}; "
        f"worker RSS MiB {rss}; db connections {connections}"
    )


# ---------------------------------------------------------------------------------------------
# The run


def run(args: argparse.Namespace) -> int:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    product = Product(args, stamp)
    recorder, samples, stop = Recorder(), [], threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    report: dict = {"started_at": stamp, "config": {k: v for k, v in vars(args).items() if k != "postgres"}}
    try:
        seed = product.prepare()
        product.serve()
        clients, burst_client = create_clients(product.url, seed, args.clients)
        initial_workers = product.workers()
        print(
            f"soak: {product.url}, database {product.database}, workers {initial_workers}, "
            f"{len(clients)} clients, {args.minutes:g} min",
            flush=True,
        )
        threads = [
            *(
                threading.Thread(
                    target=token_load, args=(product.url, clients, args.token_rate / 3, stop, recorder)
                )
                for _ in range(3)
            ),
            *(
                threading.Thread(
                    target=api_load, args=(product.url, clients, args.api_rate / 3, stop, recorder)
                )
                for _ in range(3)
            ),
            threading.Thread(target=console_load, args=(product.url, args.console_rate, stop, recorder)),
            threading.Thread(target=burst_load, args=(product.url, burst_client, stop, recorder)),
        ]
        started = time.monotonic()
        for thread in threads:
            thread.daemon = True
            thread.start()
        next_report = started + args.report_every
        while not stop.is_set() and time.monotonic() - started < args.minutes * 60:
            stop.wait(SAMPLE_SECONDS)
            total, errors = recorder.totals()
            rss = {pid: value for pid in product.workers() if (value := rss_mib(pid)) is not None}
            samples.append(
                Sample(time.monotonic() - started, rss, product.database_connections(), total, errors)
            )
            if time.monotonic() >= next_report:
                print(progress_line(started, recorder, samples[-1]), flush=True)
                next_report += args.report_every
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        duration = time.monotonic() - started
        report.update(summarise(args, recorder, samples, initial_workers, product.workers(), duration))
    except KeyboardInterrupt:
        report.setdefault("failures", []).append("interrupted")
    except Exception as exc:  # setup or sampling broke: still clean up and write the report
        report.setdefault("failures", []).append(f"{type(exc).__name__}: {exc}")
    finally:
        stop.set()
        problems = product.close()
        if problems:
            report.setdefault("failures", []).extend(problems)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"soak-{stamp}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print_summary(report, path)
    return 1 if report.get("failures") else 0


def summarise(
    args: argparse.Namespace,
    recorder: Recorder,
    samples: list[Sample],
    initial_workers: list[int],
    final_workers: list[int],
    duration: float,
) -> dict:
    total, errors = recorder.totals()
    memory = memory_summary(samples, initial_workers, args.warmup)
    connections = [s.db_connections for s in samples if s.db_connections is not None]
    failures = []
    if errors:
        failures.append(f"{errors} errors (first: {recorder.error_examples[:3]})")
    if not recorder.bursts or not all(b["throttled"] for b in recorder.bursts):
        failures.append("a deliberate burst did not trip the rate limit")
    if set(final_workers) != set(initial_workers):
        failures.append(f"gunicorn workers were replaced: {initial_workers} -> {final_workers}")
    for pid, figures in memory.items():
        if figures["growth_after_warmup_mib"] > args.rss_tolerance_mib:
            failures.append(f"worker {pid} grew {figures['growth_after_warmup_mib']} MiB after warm-up")
    if connections and max(connections) > args.max_db_connections:
        failures.append(f"{max(connections)} database connections, bound {args.max_db_connections}")
    return {
        "duration_seconds": round(duration, 1),
        "requests": total,
        "requests_per_second": round(total / duration, 1) if duration else None,
        "errors": errors,
        "deliberate_429": recorder.deliberate_429,
        "by_kind": {kind: stats.summary() for kind, stats in sorted(recorder.kinds.items())},
        "bursts": [{k: v for k, v in b.items() if k != "at"} for b in recorder.bursts],
        "memory_per_worker": memory,
        "db_connections": {
            "min": min(connections, default=None),
            "max": max(connections, default=None),
            "last": connections[-1] if connections else None,
            "bound": args.max_db_connections,
        },
        "timeline": [
            {
                "t": round(s.elapsed, 1),
                "rss_mib": {str(pid): round(v, 1) for pid, v in s.rss_mib.items()},
                "db_connections": s.db_connections,
                "requests": s.requests,
                "errors": s.errors,
            }
            for s in samples
        ],
        "error_examples": recorder.error_examples,
        "failures": failures,
    }


def print_summary(report: dict, path: Path) -> None:
    print("\nsoak summary")
    if "requests" in report:
        print(
            f"  duration {report['duration_seconds']} s, {report['requests']} requests "
            f"({report['requests_per_second']}/s), errors {report['errors']}, "
            f"deliberate 429s {report['deliberate_429']} in {len(report['bursts'])} bursts"
        )
        for kind, stats in report["by_kind"].items():
            print(
                f"  {kind:11} {stats['requests']:7} requests, {stats['errors']} errors, "
                f"p50 {stats['p50_ms']} ms, p95 {stats['p95_ms']} ms, p99 {stats['p99_ms']} ms, "
                f"statuses {stats['statuses']}"
            )
        for pid, m in report["memory_per_worker"].items():
            print(
                f"  worker {pid}: RSS first {m['first_mib']} MiB, after warm-up {m['after_warmup_mib']}, "
                f"last {m['last_mib']}, max {m['max_mib']}, growth {m['growth_after_warmup_mib']} MiB, "
                f"slope {m['slope_mib_per_min']} MiB/min"
            )
        c = report["db_connections"]
        print(f"  db connections: min {c['min']}, max {c['max']}, last {c['last']} (bound {c['bound']})")
    verdict = "FAIL: " + "; ".join(report["failures"]) if report.get("failures") else "PASS"
    print(f"  {verdict}\n  report: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(run(parse_args()))
