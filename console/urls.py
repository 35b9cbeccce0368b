"""Root URLs: the only place that includes the other apps."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("oauthapps.api.urls")),
    path("", include("console.site_urls")),
    path("console/oauth-apps/", include("oauthapps.urls")),
    path("console/audit/", include("audit.urls")),
    path("django-admin/", admin.site.urls),
]
