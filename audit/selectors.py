"""Reads of audit events, always within one account: shared by the audit pages and the
Monitor Events API."""

from datetime import datetime

from django.db.models import Max, QuerySet

from audit.models import AuditEvent
from console.models import Account
from console.signals import LOGIN_LOCKED
from oauthapps.signals import EVENT_TYPES


def audit_event_types() -> list[str]:
    return sorted([*EVENT_TYPES.values(), LOGIN_LOCKED])


def audit_event_list(
    *,
    account: Account,
    event_type: str | None = None,
    resource_sid: str | None = None,
    actor_sid: str | None = None,
    source_ip_address: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[AuditEvent]:
    """The account's events, newest first; ``start`` and ``end`` are both inclusive."""
    events = AuditEvent.objects.filter(account=account).select_related("account")
    if event_type:
        events = events.filter(event_type=event_type)
    if resource_sid:
        events = events.filter(resource_sid=resource_sid)
    if actor_sid:
        events = events.filter(actor_sid=actor_sid)
    if source_ip_address:
        events = events.filter(source_ip_address=source_ip_address)
    if start is not None:
        events = events.filter(event_date__gte=start)
    if end is not None:
        events = events.filter(event_date__lte=end)
    return events.order_by("-event_date", "-id")


def audit_event_get(*, account: Account, sid: str) -> AuditEvent | None:
    """The event ``sid`` of ``account``; None for another account's event."""
    return AuditEvent.objects.filter(account=account, sid=sid).first()


def _distinct_pairs(*, account: Account, sid_field: str, label_field: str) -> list[tuple[str, str]]:
    # Distinct (sid, label) pairs are few (apps x renames), unlike the events themselves. The
    # label of a SID's newest event is its current name: a filter lists apps as people know
    # them now, not by a name they had before a rename.
    pairs = (
        AuditEvent.objects.filter(account=account)
        .exclude(**{sid_field: ""})
        .order_by()
        .values_list(sid_field, label_field)
        .annotate(last_seen=Max("event_date"))
    )
    newest: dict[str, tuple] = {}  # sid: (last seen, label); a label beats no label
    for sid, label, last_seen in pairs:
        if sid not in newest or (label and (not newest[sid][1] or last_seen > newest[sid][0])):
            newest[sid] = (last_seen, label)
    labels = {sid: label for sid, (_, label) in newest.items()}
    return sorted(labels.items(), key=lambda item: (item[1].lower(), item[0]))


def audit_event_resources(*, account: Account) -> list[tuple[str, str]]:
    """(resource SID, its latest name) of every app with events, deleted apps included."""
    return _distinct_pairs(account=account, sid_field="resource_sid", label_field="resource_name")


def audit_event_actors(*, account: Account) -> list[tuple[str, str]]:
    """(actor SID, its latest label) of everyone who caused an event; system actors have no SID."""
    return _distinct_pairs(account=account, sid_field="actor_sid", label_field="actor_label")
