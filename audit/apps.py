"""The audit trail: receivers of the oauth-apps.* signals, events, pages and the Events API."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        from audit import receivers

        receivers.connect()
