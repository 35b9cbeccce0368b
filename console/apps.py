"""The site: tenancy (accounts, memberships), login and layout."""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = "Console and tenancy"


class ConsoleAdminConfig(admin_apps.AdminConfig):
    """Django admin, whose login follows the console's sign-in policy (console/admin_site.py)."""

    default = False  # "console" itself still means ConsoleConfig
    default_site = "console.admin_site.ConsoleAdminSite"
