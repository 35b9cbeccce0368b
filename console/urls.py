"""Root URLs: the only place that includes the other apps."""

from django.contrib import admin
from django.urls import include, path, re_path

from console import health, metrics
from console.api_errors import api_not_found

urlpatterns = [
    path("", include("oauthapps.server.urls")),
    path("", include("console.site_urls")),
    path("console/oauth-apps/", include("oauthapps.urls")),
    path("console/audit/", include("audit.urls")),
    path("console/catalog/", include("scopes.urls")),
    path("django-admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("", include("oauthapps.api.iam_urls")),
    path("", include("audit.api.urls")),
    path("", include("console.openapi")),
    path("", include("scopes.api_urls")),
    # Last: any other /v1/ or /v2/ path is a Twilio-shaped 404, not the console's HTML page.
    re_path(r"^v[12](?:/|$)", api_not_found),
]
