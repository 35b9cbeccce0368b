"""OAuth apps, their client secrets, the token endpoint and the IAM API."""

from django.apps import AppConfig


class OAuthAppsConfig(AppConfig):
    name = "oauthapps"
    verbose_name = "OAuth apps"

    def ready(self) -> None:
        from console.metrics import register_collector
        from oauthapps.metrics import OAuthAppsCollector

        register_collector(OAuthAppsCollector())
