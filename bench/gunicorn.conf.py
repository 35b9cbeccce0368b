"""gunicorn settings shared by the product and the trivial endpoint in the benchmark.

They are the README's production command line (sync workers, 2 x cores + 1) written as a
file, so that both servers run under exactly the same settings.
"""

import multiprocessing
import os

bind = os.environ.get("BENCH_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("BENCH_WORKERS") or 2 * multiprocessing.cpu_count() + 1)
worker_class = "sync"
backlog = 2048
timeout = 30
graceful_timeout = 5
accesslog = None
errorlog = "-"
loglevel = "warning"
