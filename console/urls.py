"""Root URLs: the only place that includes the other apps."""

from django.contrib import admin
from django.urls import include, path

from console import health, metrics

urlpatterns = [
    path("", include("oauthapps.api.urls")),
    path("", include("console.site_urls")),
    path("console/oauth-apps/", include("oauthapps.urls")),
    path("console/audit/", include("audit.urls")),
    path("django-admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
]
