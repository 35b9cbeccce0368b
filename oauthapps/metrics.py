"""Token counters, and gauges read from the database at scrape time: active apps,
secrets in their grace period, revocations in force. ``console.metrics`` serves them at /metrics."""

from datetime import timedelta

from django.db.models import Count, Max
from django.utils import timezone
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

import console.metrics  # noqa: F401  (first: it creates PROMETHEUS_MULTIPROC_DIR, where these write)
from oauthapps.models import AppStatus, ClientSecret, OAuthApp, Revocation

TOKENS_ISSUED = Counter("oauthapps_tokens_issued_total", "Access tokens issued by /v2/token.")
TOKENS_REFUSED = Counter(
    "oauthapps_tokens_refused_total", "Token requests refused, by RFC 6749 error.", ["error"]
)
TOKEN_LATENCY = Histogram(
    "oauthapps_token_request_seconds",
    "Time to answer a token request.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)

GAUGES = {
    "oauthapps_active_apps": "OAuth apps that can get tokens.",
    "oauthapps_secrets_in_grace_period": "Replaced client secrets that still work.",
    "oauthapps_secrets_in_grace_period_used_last_hour": (
        "Replaced client secrets still in their grace period that were used in the last hour."
    ),
    "oauthapps_revocations_in_force": (
        "Revocations (of a token, a secret's tokens or a deleted app's) whose tokens have not all expired."
    ),
    "oauthapps_revocations_jti_max_per_app": (
        "The most one-token (RFC 7009) revocations in force of any one app; each app may have "
        "REVOCATIONS_MAX_JTI_PER_APP. The admin's Revocations list, searched by Client ID, names it."
    ),
}


class OAuthAppsCollector:
    def describe(self):
        # Without describe(), prometheus_client calls collect() at registration: a query at
        # start-up, before migrations may have run.
        for name, documentation in GAUGES.items():
            yield GaugeMetricFamily(name, documentation)

    def collect(self):
        now = timezone.now()
        yield GaugeMetricFamily(
            "oauthapps_active_apps",
            "OAuth apps that can get tokens.",
            value=OAuthApp.objects.filter(status=AppStatus.ACTIVE).count(),
        )
        in_grace = ClientSecret.objects.in_grace_period(now)
        yield GaugeMetricFamily(
            "oauthapps_secrets_in_grace_period",
            "Replaced client secrets that still work.",
            value=in_grace.count(),
        )
        yield GaugeMetricFamily(
            "oauthapps_secrets_in_grace_period_used_last_hour",
            "Replaced client secrets still in their grace period that were used in the last hour.",
            value=in_grace.filter(last_used_at__gte=now - timedelta(hours=1)).count(),
        )
        yield GaugeMetricFamily(
            "oauthapps_revocations_in_force",
            GAUGES["oauthapps_revocations_in_force"],
            value=Revocation.objects.filter(until__gt=now).count(),
        )
        # One number, not a series per app: a label per Client ID would grow the metrics with
        # the apps. The admin shows which app it is.
        per_app = (
            Revocation.objects.filter(until__gt=now, key__startswith="jti:")
            .exclude(client_id="")
            .values("client_id")
            .annotate(revoked=Count("id"))
            .aggregate(most=Max("revoked"))
        )
        yield GaugeMetricFamily(
            "oauthapps_revocations_jti_max_per_app",
            GAUGES["oauthapps_revocations_jti_max_per_app"],
            value=per_app["most"] or 0,
        )
