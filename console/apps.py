"""The site: tenancy (accounts, memberships), login and layout."""

from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = "Console and tenancy"
