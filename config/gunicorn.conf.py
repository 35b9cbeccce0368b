"""gunicorn settings for production: `make serve`, or
`gunicorn -c config/gunicorn.conf.py config.wsgi`. Every value can be overridden from the
environment (GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_THREADS, GUNICORN_TIMEOUT)."""

import multiprocessing
import os
import socket
import struct

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Threaded workers (gthread), not sync ones: a sync worker belongs to one socket until the
# request is done, so two clients that never finish their headers (or read a big answer
# slowly) stopped a two-worker server until the worker timeout. A gthread worker's main
# thread waits on new and kept-alive sockets in a selector and hands a socket to a thread
# only once data arrives (a silent socket goes back to the selector after 5 s and is closed
# after `keepalive`): a slow client holds one thread, never the worker. Requests are short
# and CPU-bound (signing, hashing), so processes give the throughput and threads the
# tolerance: cores + 1 processes of GUNICORN_THREADS threads. Each thread keeps its own
# database connection: workers x threads connections at most (24 on two cores).
workers = int(os.environ.get("GUNICORN_WORKERS") or multiprocessing.cpu_count() + 1)
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
keepalive = 5
# A client that sends nothing for this long while its request is read (headers, body), or
# reads nothing while its answer is written, is disconnected: each one holds a thread, and
# without a limit ~24 of them (2 cores) would hold every thread. Set on the listening
# sockets, whose accepted sockets inherit it (SO_RCVTIMEO / SO_SNDTIMEO, Linux).
client_io_timeout = int(os.environ.get("CLIENT_IO_TIMEOUT_SECONDS", "15"))
# Python's socket.sendfile waits out a stalled reader for ever (it polls past the send
# timeout); plain writes honour it. Static files are small and served once per client.
sendfile = False
backlog = 2048
# Recycle workers now and then so that no slow leak can grow without bound, but rarely: a
# new worker spends about a second of CPU importing Django, and at 20,000 requests the
# recycling showed as 250 ms p99 spikes under load (make bench). At 1,000 requests/s on
# five workers each worker is recycled after about 17 minutes (one every ~3 minutes).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "200000"))
max_requests_jitter = max_requests // 10
# A token carrying 100 permissions is about 9 KB: more than the default 8190-byte header.
limit_request_field_size = 16384
# The application logs one structured line per request (console/request_log.py); gunicorn's
# own access log would repeat it. If you turn it on, it has the path without the query
# string (%(U)s) and never headers, so no secret or token can reach it.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = "warning"
# Behind a load balancer: trust its X-Forwarded-* headers only from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Prometheus multiprocess mode needs an empty directory per deployment."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            os.remove(os.path.join(directory, name))


def when_ready(server):
    timeout = struct.pack("ll", client_io_timeout, 0)
    for listener in server.LISTENERS:
        for option in (socket.SO_RCVTIMEO, socket.SO_SNDTIMEO):
            listener.sock.setsockopt(socket.SOL_SOCKET, option, timeout)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
