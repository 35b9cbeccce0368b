"""Django admin for staff: audit events, read-only for everyone, superusers included."""

import json

from django.contrib import admin
from django.utils.html import format_html

from audit.models import AuditEvent
from console.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit trail is append-only (audit/models.py): the admin can only read it."""

    list_display = (
        "event_date",
        "event_type",
        "resource",
        "actor",
        "source",
        "source_ip_address",
        "account",
    )
    list_select_related = ("account",)
    list_filter = ("event_type", "source", "account")
    search_fields = ("=resource_sid", "=sid")
    date_hierarchy = "event_date"
    ordering = ("-event_date", "-id")
    # Counting a large, append-only table on every page costs more than it tells.
    show_full_result_count = False
    fields = (
        "sid",
        "event_date",
        "event_type",
        "account",
        "resource_type",
        "resource_sid",
        "resource_name",
        "actor_type",
        "actor_sid",
        "actor_label",
        "source",
        "source_ip_address",
        "description",
        "event_data_display",
        "previous_hash",
        "chain_hash",
    )
    readonly_fields = fields

    @admin.display(description="Resource", ordering="resource_sid")
    def resource(self, event: AuditEvent) -> str:
        if event.resource_name:
            return f"{event.resource_name} ({event.resource_sid})"
        return event.resource_sid

    @admin.display(description="Actor", ordering="actor_label")
    def actor(self, event: AuditEvent) -> str:
        return event.actor_label or event.actor_sid or event.actor_type

    @admin.display(description="Event data")
    def event_data_display(self, event: AuditEvent) -> str:
        return format_html("<pre>{}</pre>", json.dumps(event.event_data, indent=2, sort_keys=True))
