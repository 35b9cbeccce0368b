"""The site: tenancy (accounts, memberships), login and layout."""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = "Console and tenancy"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from console.devices import device_cookie_grant
        from console.reauth import auth_on_sign_in
        from console.session_limits import session_start

        # Every sign-in (console, admin, tests' force_login) starts the session's clocks.
        user_logged_in.connect(session_start, dispatch_uid="console.session_start")
        user_logged_in.connect(auth_on_sign_in, dispatch_uid="console.auth_on_sign_in")
        user_logged_in.connect(device_cookie_grant, dispatch_uid="console.device_cookie_grant")


class ConsoleAdminConfig(admin_apps.AdminConfig):
    """Django admin, whose login follows the console's sign-in policy (console/admin_site.py)."""

    default = False  # "console" itself still means ConsoleConfig
    default_site = "console.admin_site.ConsoleAdminSite"
