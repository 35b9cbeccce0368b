"""Monitor v1 wire format of an audit event, and the list filters as Twilio names them."""

from datetime import UTC, date, datetime, time
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from audit.events import monitor_view
from audit.models import AuditEvent
from console.api_paging import PageMetaSerializer


@extend_schema_field(OpenApiTypes.DATETIME)
class IsoDateTimeFilter(serializers.Field):
    """ISO 8601 date or date-time; naive values are UTC (Twilio: "in GMT"). Dates in filters
    are whole seconds, as ``event_date`` shows them: a date-time names its whole second, a
    bare date its whole day. The start of that span, or with ``end`` its last instant, so
    that StartDate and EndDate are both inclusive at that precision (an EndDate equal to an
    event's own ``event_date`` includes it)."""

    def __init__(self, *, end: bool = False, **kwargs):
        self.end = end
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> datetime:
        text = str(data).strip()
        moment = day = None
        try:
            # The date first: Python 3.11's fromisoformat (behind parse_datetime) would
            # read a bare date as midnight and lose "the whole day".
            day = parse_date(text)
            moment = None if day else parse_datetime(text)
        except ValueError:
            pass
        if moment is None and day is None:
            raise serializers.ValidationError(
                "Must be an ISO 8601 date or date-time, such as 2025-01-31 or 2025-01-31T12:00:00Z."
            )
        if day is not None:
            moment = datetime.combine(day, time.max if self.end else time.min)
        else:
            moment = moment.replace(microsecond=999_999 if self.end else 0)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, UTC)
        try:
            # In UTC: PostgreSQL refuses offsets beyond ±15:59, which ISO 8601 parsers accept.
            return moment.astimezone(UTC)
        except OverflowError:
            raise serializers.ValidationError(
                "The date-time is out of range once converted to UTC."
            ) from None

    def to_representation(self, value: date) -> str:
        return value.isoformat()


@extend_schema_field({"type": "string", "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]})
class IpAddressFilter(serializers.IPAddressField):
    """An IPv4 or IPv6 address, so documented."""


class EventFilterSerializer(serializers.Serializer):
    """The query parameters of ``GET /v1/Events`` (Twilio's capitalised names)."""

    EventType = serializers.CharField(required=False, max_length=64, help_text="e.g. oauth-apps.updated")
    ResourceSid = serializers.CharField(required=False, max_length=34, help_text="The app's SID (OQ…).")
    ActorSid = serializers.CharField(
        required=False,
        max_length=34,
        help_text="Who made the change: a user (US…) or, for API calls, the account (AC…).",
    )
    SourceIpAddress = IpAddressFilter(required=False, help_text="Where the change came from (IPv4 or IPv6).")
    StartDate = IsoDateTimeFilter(
        required=False, help_text="Events on or after this second, or day (ISO 8601; inclusive)."
    )
    EndDate = IsoDateTimeFilter(
        required=False, end=True, help_text="Events on or before this second, or day (ISO 8601; inclusive)."
    )

    def validate(self, attrs):
        start, end = attrs.get("StartDate"), attrs.get("EndDate")
        if start and end and start > end:
            raise serializers.ValidationError({"EndDate": "Must not be earlier than StartDate."})
        return attrs


class EventSerializer(serializers.ModelSerializer):
    """An event in Twilio's Monitor shape, events written in the earlier shape included
    (audit/events.py maps them)."""

    account_sid = serializers.CharField(source="account.sid")
    actor_sid = serializers.SerializerMethodField()
    actor_type = serializers.SerializerMethodField()
    source = serializers.SerializerMethodField()
    event_data = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "sid",
            "account_sid",
            "actor_sid",
            "actor_type",
            "event_type",
            "resource_type",
            "resource_sid",
            "source",
            "source_ip_address",
            "event_date",
            "event_data",
            "description",
            "url",
            "links",
        ]

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def _view(self, event: AuditEvent) -> dict:
        cache = self.context.setdefault("monitor_views", {})
        if event.pk not in cache:
            cache[event.pk] = monitor_view(event)
        return cache[event.pk]

    def get_actor_sid(self, event: AuditEvent) -> str | None:
        return self._view(event)["actor_sid"] or None  # Twilio: null when the actor has no SID

    @extend_schema_field({"type": "string", "enum": ["user", "account", "twilio-admin"]})
    def get_actor_type(self, event: AuditEvent) -> str:
        return self._view(event)["actor_type"]

    @extend_schema_field({"type": "string", "enum": ["web", "api", "twilio"]})
    def get_source(self, event: AuditEvent) -> str:
        return self._view(event)["source"]

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_event_data(self, event: AuditEvent) -> dict:
        return self._view(event)["event_data"]

    def get_url(self, event: AuditEvent) -> str:
        return self._absolute(reverse("monitor:event", kwargs={"sid": event.sid}))

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string", "format": "uri"}})
    def get_links(self, event: AuditEvent) -> dict:
        links = {}
        if event.resource_type == "oauth-app":
            links["resource"] = self._absolute(reverse("iam:oauth-app", kwargs={"sid": event.resource_sid}))
        # The actor is the one ``actor_sid`` names (for an API call the account, not the
        # calling app, which stays in event_data.actor_app_sid). This server has no page of
        # its own for a user or an account: the link lists that actor's events.
        actor_sid = self._view(event)["actor_sid"]
        if actor_sid:
            query = urlencode({"ActorSid": actor_sid})
            links["actor"] = self._absolute(f"{reverse('monitor:events')}?{query}")
        return links


class EventPageSerializer(serializers.Serializer):
    events = EventSerializer(many=True)
    meta = PageMetaSerializer()
