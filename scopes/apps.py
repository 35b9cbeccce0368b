"""Django app configuration for the permission catalog."""

from django.apps import AppConfig


class ScopesConfig(AppConfig):
    name = "scopes"
    verbose_name = "Scopes"
