"""The audit trail's counters; ``console.metrics`` serves them at /metrics."""

from prometheus_client import Counter

import console.metrics  # noqa: F401  (first: it creates PROMETHEUS_MULTIPROC_DIR, where this writes)

AUDIT_EVENTS = Counter(
    "oauthapps_audit_events_written_total", "Audit events committed, by type.", ["event_type"]
)
