"""`make serve`'s server, chosen on figures: gunicorn sync vs gthread vs granian, one run.

    .venv/bin/python bench/server_ab.py --rounds 3 --duration 5 --connections 16 --workers 2

Serves bench/reference.py's trivial DRF POST (the product's settings and middleware, a form
parsed by DRF, a tiny JSON answer) under each server with the same number of workers,
drives each with wrk from the same machine, alternating the servers' order round by round,
and prints requests/s and p99 per round and the medians. Same-run ratios are what to read:
the machine is shared. granian is measured only if it is installed (pip install granian).
"""

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import BENCH, LOOPBACK, ROOT, free_port, product_env, recreate_database  # noqa: E402

WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["X-Forwarded-Proto"] = "https"
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "duration_us": %d, "p99_us": %d, "errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
      + summary.errors.timeout))
end
"""


def servers(workers: int, port: int) -> dict[str, list[str]]:
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", str(BENCH / "gunicorn.conf.py")]
    found = {
        "gunicorn sync": [*gunicorn, "--worker-class", "sync", "console.wsgi:application"],
        "gunicorn gthread": [*gunicorn, "console.wsgi:application"],  # production: 8 threads
    }
    granian = shutil.which("granian", path=str(Path(sys.executable).parent))
    if granian:
        found["granian"] = [
            granian, "--interface", "wsgi", "--host", LOOPBACK, "--port", str(port),
            "--workers", str(workers), "--no-ws", "console.wsgi:application",
        ]  # fmt: skip
    return found


def wait_ready(url: str, process: subprocess.Popen, body: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.args}")
        try:
            request = urllib.request.Request(  # noqa: S310
                url, data=body.encode(), headers={"X-Forwarded-Proto": "https"}
            )
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--postgres", default=os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--database", default="perf_server_ab")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11")
    parser.add_argument(
        "--token",
        action="store_true",
        help="the product's token endpoint (one seeded app) instead of the DRF POST",
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="server-ab-"))
    settings = SimpleNamespace(
        secret_key=secrets.token_urlsafe(50), digest_key=secrets.token_urlsafe(32), postgres=args.postgres,
        redis=args.redis,
    )  # fmt: skip
    env = product_env(settings, args.database, workdir)
    env.pop("PROMETHEUS_MULTIPROC_DIR")
    env["BENCH_WORKERS"] = str(args.workers)
    path, body = "/bench/drf-post", "grant_type=client_credentials"
    if args.token:  # a fresh database: keys and digests are made under this run's secrets
        recreate_database(args.postgres, args.database)
        for command in (["migrate", "--noinput", "-v0"], ["bootstrap"]):
            subprocess.run([sys.executable, "manage.py", *command], env=env, check=True, cwd=ROOT)  # noqa: S603
        subprocess.run(  # noqa: S603 - the product's own seeding, under the product's settings
            [sys.executable, "-m", "bench.seed", "--apps", "1", "--out", str(workdir)], env=env, check=True
        )
        client_id, secret = (workdir / "hot_client.txt").read_text().split()
        path, body = "/v2/token", f"{body}&client_id={client_id}&client_secret={secret}"
    else:
        env["DJANGO_SETTINGS_MODULE"] = "bench.reference_settings"
    script = workdir / "post.lua"
    script.write_text(WRK_SCRIPT.replace("grant_type=client_credentials", body))
    running, results = {}, {}
    try:
        port = free_port()
        for name, command in servers(args.workers, port).items():
            port = free_port()
            if command[0].endswith("granian"):
                command[command.index("--port") + 1] = str(port)
            process = subprocess.Popen(  # noqa: S603
                command,
                env={**env, "BENCH_BIND": f"{LOOPBACK}:{port}"},
                stdout=subprocess.DEVNULL,
                stderr=(workdir / f"{name.replace(' ', '-')}.log").open("w"),
            )
            running[name] = (process, f"http://{LOOPBACK}:{port}{path}")
            wait_ready(running[name][1], process, body)
            results[name] = []
        for number in range(args.rounds):
            order = list(running) if number % 2 == 0 else list(reversed(running))
            for name in order:
                out = subprocess.run(  # noqa: S603
                    ["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "-s", str(script),  # noqa: S607
                     running[name][1]],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                raw = json.loads(out.stdout.strip().splitlines()[-1])
                rps = raw["requests"] / (raw["duration_us"] / 1e6)
                results[name].append((rps, raw["p99_us"] / 1000, raw["errors"]))
                print(
                    f"round {number} {name:<17} {rps:7.0f}/s  p99 {raw['p99_us'] / 1000:6.1f} ms"
                    f"  errors {raw['errors']}",
                    flush=True,
                )
        base = statistics.median(r[0] for r in results["gunicorn sync"])
        for name, rows in results.items():
            rps = statistics.median(r[0] for r in rows)
            p99 = statistics.median(r[1] for r in rows)
            print(f"median {name:<17} {rps:7.0f}/s  p99 {p99:6.1f} ms  x{rps / base:.2f} of gunicorn sync")
    finally:
        for process, _url in running.values():
            process.terminate()
        for process, _url in running.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
