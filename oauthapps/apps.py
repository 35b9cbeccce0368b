"""OAuth apps, their client secrets, the token endpoint and the IAM API."""

from django.apps import AppConfig


class OAuthAppsConfig(AppConfig):
    name = "oauthapps"
    verbose_name = "OAuth apps"
