"""Reads of audit events, always within one account: shared by the audit pages and the
Monitor Events API."""

from datetime import UTC, datetime

from django.db.models import Q, QuerySet

from audit.models import AuditEvent
from console.models import Account
from console.sids import is_sid
from console.signals import LOGIN_LOCKED, MEMBER_ADDED, MEMBER_REMOVED, MEMBER_ROLE_CHANGED
from oauthapps.models import AppStatus, OAuthApp
from oauthapps.signals import EVENT_TYPES


def audit_event_types() -> list[str]:
    return sorted([*EVENT_TYPES.values(), LOGIN_LOCKED, MEMBER_ADDED, MEMBER_ROLE_CHANGED, MEMBER_REMOVED])


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
    """The account's events, newest first; ``start`` and ``end`` are both inclusive. A bound
    beyond what a datetime holds in UTC (a start before year 1, an end after 9999) bounds
    nothing: every stored event is within it."""
    start, end = _storable(start), _storable(end)
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
    """The event ``sid`` of ``account``; None for another account's event, or for anything
    that is not an event SID."""
    if not is_sid(sid, "AE"):
        return None
    return AuditEvent.objects.filter(account=account, sid=sid).first()


def audit_event_page(
    events: QuerySet[AuditEvent], *, before: str | None, size: int
) -> tuple[list, str | None]:
    """One page of ``events`` (newest first) older than the cursor ``before``, and the cursor
    of the page after it (None on the last page). Keyset: no COUNT and no OFFSET, so the
    hundredth page costs what the first does."""
    position = _cursor_position(before)
    if position is not None:
        moment, event_id = position
        # The bound on the date alone makes it an index range; the OR only settles ties.
        events = events.filter(
            Q(event_date__lte=moment), Q(event_date__lt=moment) | Q(event_date=moment, id__lt=event_id)
        )
    records = list(events[: size + 1])
    if len(records) <= size:
        return records, None
    return records[:size], audit_event_cursor(records[size - 1])


def audit_event_newer_page(events: QuerySet[AuditEvent], *, after: str, size: int) -> tuple[list, bool]:
    """The page of ``events`` just newer than the cursor ``after`` (shown newest first), and
    whether still newer events exist: the way back up that ``before`` came down."""
    position = _cursor_position(after)
    if position is not None:
        moment, event_id = position
        events = events.filter(
            Q(event_date__gte=moment), Q(event_date__gt=moment) | Q(event_date=moment, id__gt=event_id)
        )
    records = list(events.order_by("event_date", "id")[: size + 1])
    return records[:size][::-1], len(records) > size


def audit_event_cursor(event: AuditEvent) -> str:
    return f"{event.event_date.isoformat()}~{event.pk}"


def _cursor_position(cursor: str | None) -> tuple[datetime, int] | None:
    moment, _, event_id = (cursor or "").partition("~")
    try:
        parsed = _storable(datetime.fromisoformat(moment))
        return (parsed, int(event_id)) if parsed and parsed.tzinfo else None
    except ValueError:
        return None  # a mangled link (or a moment no event can have): start from the newest


def _storable(moment: datetime | None) -> datetime | None:
    """``moment`` in UTC, as every backend stores it; None when it has no UTC form (year 0 or
    10000 once its offset is applied). SQLite's adapter converts to UTC itself and raised
    OverflowError for those, a 500, where PostgreSQL answered."""
    if moment is None or moment.tzinfo is None:
        return moment
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return None


def audit_filter_apps(*, account: Account) -> list[tuple[str, str]]:
    """(SID, name) of the account's apps, for the App filter: read from the apps table, not
    by scanning events. A deleted app's history stays reachable by its SID in the URL."""
    apps = OAuthApp.objects.filter(account=account, status=AppStatus.ACTIVE).order_by("name", "client_id")
    return list(apps.values_list("client_id", "name"))


def audit_filter_actors(*, account: Account) -> list[tuple[str, str]]:
    """(SID, label) of who can act in the account: its members (US…), and the account
    itself (AC…), which is the actor of every IAM API call."""
    members = account.memberships.select_related("user").order_by("user__email")
    actors = [(membership.user.sid, membership.user.email) for membership in members]
    return [*actors, (account.sid, "API calls (OAuth apps)")]
