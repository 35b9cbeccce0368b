"""Prometheus metrics: the registry, the throttling counter and the protected /metrics view.

Each app defines its own counters (``oauthapps/metrics.py``, ``audit/metrics.py``) and
registers its scrape-time collectors here; this module exposes them all.

Under gunicorn set PROMETHEUS_MULTIPROC_DIR (an empty directory per deployment) so that
every worker's counters are summed; without it each process reports its own.
"""

import ipaddress
import os

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    generate_latest,
    multiprocess,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY

from console.actors import client_ip

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Every process writes its counters there, management commands included.
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

THROTTLED = Counter("oauthapps_throttled_requests_total", "Requests refused with 429, by limit.", ["limit"])


def _registry():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        for collector in _extra_collectors:
            registry.register(collector)
        return registry
    return DEFAULT_REGISTRY


_extra_collectors: list = []


def register_collector(collector) -> None:
    """Collectors that read the database at scrape time (gauges that need no process state)."""
    _extra_collectors.append(collector)
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        DEFAULT_REGISTRY.register(collector)


def _allowed(request) -> bool:
    token = settings.METRICS_BEARER_TOKEN
    if token:
        offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return constant_time_compare(offered, token)
    try:
        address = ipaddress.ip_address(client_ip(request) or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net) for net in settings.METRICS_ALLOWED_NETWORKS)


def metrics_view(request) -> HttpResponse:
    if not _allowed(request):
        return JsonResponse(
            {"error": "forbidden", "message": "Metrics are not served to this client."}, status=403
        )
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
