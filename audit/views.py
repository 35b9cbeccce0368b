"""Console pages for the audit trail: Monitor > Insights > Audit."""

from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from audit.events import monitor_view
from audit.exports import (
    FORMATS,
    audit_export_start,
    audit_export_status,
    export_path,
    filters_summary,
)
from audit.forms import AuditFilterForm
from audit.models import AuditExport, ExportStatus
from audit.selectors import (
    audit_event_cursor,
    audit_event_get,
    audit_event_list,
    audit_event_newer_page,
    audit_event_page,
)
from console.decorators import membership_required
from oauthapps.models import OAuthApp

PAGE_SIZE = 25


@membership_required
def audit_event_list_page(request):
    account = request.membership.account
    form = AuditFilterForm(request.GET or None, account=account)
    events = audit_event_list(account=account, **form.selector_filters())
    if form.is_bound and not form.is_valid():
        events = events.none()  # an unknown app or actor, or an impossible range: nothing matches
    records, older, newer = _one_page(events, request.GET)
    query = request.GET.copy()
    query.pop("before", None)
    query.pop("after", None)
    return render(
        request,
        "audit/list.html",
        {
            "form": form,
            "events": records,
            "older": older,
            "newer": newer,
            "is_first_page": newer is None,
            "query": query.urlencode(),
        },
    )


def _one_page(events, params) -> tuple[list, str | None, str | None]:
    """The page the URL asks for (``before`` goes down to older events, ``after`` back up to
    newer ones) and the cursors of the pages either side of it (None at either end)."""
    if params.get("after"):
        records, more_newer = audit_event_newer_page(events, after=params["after"], size=PAGE_SIZE)
        if not records:  # nothing newer: the newest page
            records, older = audit_event_page(events, before=None, size=PAGE_SIZE)
            return records, older, None
        older = audit_event_cursor(records[-1])
        if not audit_event_page(events, before=older, size=1)[0]:
            older = None
        return records, older, audit_event_cursor(records[0]) if more_newer else None
    records, older = audit_event_page(events, before=params.get("before"), size=PAGE_SIZE)
    newer = audit_event_cursor(records[0]) if records and params.get("before") else None
    return records, older, newer


@membership_required
@require_POST
def audit_export_create(request, fmt: str):
    """Start writing the events the page's filters select (oldest first) to a file."""
    if fmt not in FORMATS:
        raise Http404("Export as jsonl or csv.")
    account = request.membership.account
    form = AuditFilterForm(request.GET or None, account=account)
    if form.is_bound and not form.is_valid():
        return redirect(f"{reverse('audit:list')}?{request.GET.urlencode()}")
    export = audit_export_start(account=account, user=request.user, fmt=fmt, filters=form.selector_filters())
    return redirect("audit:export", export_id=export.pk)


def _export_of(request, export_id) -> AuditExport:
    export = AuditExport.objects.filter(account=request.membership.account, pk=export_id).first()
    if export is None:
        raise Http404("No such export in this account.")
    return export


@membership_required
def audit_export_page(request, export_id):
    export = _export_of(request, export_id)
    status = audit_export_status(export)
    response = render(
        request,
        "audit/export.html",
        {"export": export, "status": status, "filters": filters_summary(export)},
    )
    if status == ExportStatus.RUNNING:
        response["Refresh"] = "2"  # look again until the file is ready
    return response


EXPORT_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}


@membership_required
def audit_export_download(request, export_id):
    export = _export_of(request, export_id)
    if audit_export_status(export) != ExportStatus.READY:
        raise Http404("This export is not ready, or no longer kept.")
    response = FileResponse(
        open(export_path(export), "rb"),  # noqa: SIM115 - FileResponse closes it
        as_attachment=True,
        filename=f"audit-{export.account.sid}-{export.created_at:%Y%m%dT%H%M%S}.{export.fmt}",
        content_type=EXPORT_TYPES[export.fmt],
    )
    response["Cache-Control"] = "no-store"
    return response


@membership_required
def audit_event_detail_page(request, sid: str):
    event = audit_event_get(account=request.membership.account, sid=sid)
    if event is None:
        raise Http404("No such audit event in this account.")
    context = {"event": event, "monitor": monitor_view(event), "changes": _changes(event)}
    return render(request, "audit/detail.html", context)


def _app_label(field: str) -> str:
    return str(OAuthApp._meta.get_field(field).verbose_name)


# An update's fields as the events name them (the IAM API's names), labelled as the app's
# model fields are.
FIELD_LABELS = {
    "friendly_name": _app_label("name"),
    "description": _app_label("description"),
    "policy.allow": _app_label("scopes"),
    "policy.deny": _app_label("denied_scopes"),
    "access_token_ttl": f"{_app_label('access_token_ttl')} (seconds)",
    "dpop_bound_access_tokens": _app_label("dpop_bound_access_tokens"),
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
