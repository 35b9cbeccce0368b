"""Console pages for the audit trail: Monitor > Insights > Audit."""

from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render

from audit.events import monitor_view
from audit.forms import AuditFilterForm
from audit.retention import export_lines
from audit.selectors import audit_event_get, audit_event_list
from console.decorators import membership_required

PAGE_SIZE = 25


@membership_required
def audit_event_list_page(request):
    account = request.membership.account
    form = AuditFilterForm(request.GET or None, account=account)
    events = audit_event_list(account=account, **form.selector_filters())
    if form.is_bound and not form.is_valid():
        events = events.none()  # an unknown app or actor, or an impossible range: nothing matches
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/list.html",
        {"form": form, "page": page, "events": page.object_list, "query": query.urlencode()},
    )


EXPORT_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}


@membership_required
def audit_event_export(request, fmt: str):
    """The events the page's filters select, oldest first, as a download (for a SIEM)."""
    if fmt not in EXPORT_TYPES:
        raise Http404("Export as jsonl or csv.")
    account = request.membership.account
    form = AuditFilterForm(request.GET or None, account=account)
    events = audit_event_list(account=account, **form.selector_filters()).order_by("event_date", "id")
    if form.is_bound and not form.is_valid():
        events = events.none()
    response = StreamingHttpResponse(export_lines(events, fmt), content_type=EXPORT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="audit-{account.sid}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


@membership_required
def audit_event_detail_page(request, sid: str):
    event = audit_event_get(account=request.membership.account, sid=sid)
    if event is None:
        raise Http404("No such audit event in this account.")
    context = {"event": event, "monitor": monitor_view(event), "changes": _changes(event)}
    return render(request, "audit/detail.html", context)


FIELD_LABELS = {
    "friendly_name": "App name",
    "description": "Description of the app",
    "policy.allow": "OAuth Scopes",
    "policy.deny": "Denied scopes",
    "access_token_ttl": "Token expiration time (seconds)",
}


def _changes(event) -> list[dict]:
    """What an update changed, field by field; for lists (scopes) also what was added and removed."""
    properties = monitor_view(event)["event_data"].get("resource_properties") or {}
    pairs = {}
    for name, change in properties.items():
        if name == "policy":
            for part in (change.get("previous") or {}).keys() | (change.get("updated") or {}).keys():
                before, after = change["previous"].get(part), change["updated"].get(part)
                if before != after:
                    pairs[f"policy.{part}"] = (before, after)
        else:
            pairs[name] = (change.get("previous"), change.get("updated"))
    changes = []
    for name, (before, after) in pairs.items():
        change = {"field": FIELD_LABELS.get(name, name), "previous": before, "updated": after}
        if isinstance(before, list) and isinstance(after, list):
            change["added"] = [item for item in after if item not in before]
            change["removed"] = [item for item in before if item not in after]
        changes.append(change)
    return sorted(changes, key=lambda change: change["field"])
