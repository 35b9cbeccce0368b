"""``GET /v1/Events`` and ``GET /v1/Events/{sid}``: the account's audit events, newest first."""

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from audit.api.serializers import EventFilterSerializer, EventPageSerializer, EventSerializer
from audit.selectors import audit_event_get, audit_event_list
from console.api import TwilioApiView
from console.api_paging import PAGING_PARAMETER_NAMES, PAGING_PARAMETERS, KeysetPaging
from console.sids import is_sid
from oauthapps.server.bearer import BearerTokenAuthentication
from scopes.permissions import HasCatalogPermission

TAG = "Monitor: Events"
FILTER_NAMES = tuple(EventFilterSerializer().fields)
EVENT_PAGING = KeysetPaging(key="events", date_field="event_date", token_salt="monitor.events.page")


class MonitorApi(TwilioApiView):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [HasCatalogPermission]


class EventListApi(MonitorApi):
    required_permissions = {"GET": "/twilio/monitor/events/list"}
    query_parameters = (*FILTER_NAMES, *PAGING_PARAMETER_NAMES)

    @extend_schema(
        tags=[TAG],
        operation_id="ListEvent",
        description="Needs the permission `/twilio/monitor/events/list`.",
        parameters=[EventFilterSerializer, *PAGING_PARAMETERS],
        responses={200: EventPageSerializer},
        summary="Audit events of the token's account, newest first, with Twilio's filters and paging.",
    )
    def get(self, request):
        # A plain dict: from a QueryDict, DRF would read "StartDate=" as "not given".
        filters = EventFilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        given = filters.validated_data
        account = request.auth.app.account
        events = audit_event_list(
            account=account,
            event_type=given.get("EventType"),
            resource_sid=given.get("ResourceSid"),
            actor_sid=given.get("ActorSid"),
            source_ip_address=given.get("SourceIpAddress"),
            start=given.get("StartDate"),
            end=given.get("EndDate"),
        )
        # Links repeat the filters exactly as the client sent them.
        query = [
            (name, request.query_params[name]) for name in EventFilterSerializer().fields if name in given
        ]
        page = EVENT_PAGING.page(request, events, scope=account.sid, query=query)
        rendered = EventSerializer(page.records, many=True, context={"request": request}).data
        return Response(page.body(rendered))


class EventApi(MonitorApi):
    required_permissions = {"GET": "/twilio/monitor/events/read"}

    @extend_schema(
        tags=[TAG],
        operation_id="FetchEvent",
        responses={200: EventSerializer},
        description="Needs the permission `/twilio/monitor/events/read`.",
    )
    def get(self, request, sid: str):
        event = audit_event_get(account=request.auth.app.account, sid=sid) if is_sid(sid, "AE") else None
        if event is None:
            raise NotFound(f"The event {sid[:40]} was not found.")
        return Response(EventSerializer(event, context={"request": request}).data)
