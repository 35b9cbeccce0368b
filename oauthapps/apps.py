"""OAuth apps, their client secrets, the token endpoint and the IAM API."""

from django.apps import AppConfig


class OAuthAppsConfig(AppConfig):
    name = "oauthapps"
    verbose_name = "OAuth apps"

    def ready(self) -> None:
        from console.db_unavailable import register_oauth_error_paths
        from console.metrics import register_collector
        from console.signals import site_bootstrapped
        from oauthapps.api import openapi  # noqa: F401  (registers the Bearer scheme's description)
        from oauthapps.bootstrap import create_first_signing_key
        from oauthapps.metrics import OAuthAppsCollector

        register_collector(OAuthAppsCollector())
        site_bootstrapped.connect(create_first_signing_key, dispatch_uid="oauthapps.bootstrap")
        # RFC 6749 clients of these endpoints read ``error``, also in a database outage's 503.
        register_oauth_error_paths("/v2/token", "/v2/token/introspect", "/v2/token/revoke")
