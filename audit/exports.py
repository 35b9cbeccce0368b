"""Console downloads of audit events, produced as a file in the background.

Why a file and not a streamed response: ``make serve`` runs sync gunicorn workers with a
request timeout, and a sync worker cannot report liveness while it streams, so an export that
takes longer than the timeout was cut off mid-row. Here the request only records what to
export; a thread in the same process writes the file, reading the events in keyset pages (each
page its own short query: no transaction or server-side cursor is held while the file grows),
and the browser downloads the finished file. Writing is not bound by any request timeout; a
worker recycled mid-export leaves the export "running" without progress, which the status
page reports as failed after EXPORT_STALL so the user can start it again.
"""

import logging
import threading
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.formats import date_format

from audit.events import event_type_label
from audit.models import AuditExport, ExportStatus
from audit.retention import export_lines, keyset_pages
from audit.selectors import audit_event_list, audit_filter_actors, audit_filter_apps

logger = logging.getLogger(__name__)

FORMATS = ("csv", "jsonl")
EXPORT_STALL = timedelta(minutes=5)


def export_path(export: AuditExport) -> Path:
    return Path(settings.AUDIT_EXPORT_DIR) / f"{export.id}.{export.fmt}"


def _filters_to_json(filters: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in filters.items() if v is not None}


def _filters_from_json(filters: dict) -> dict:
    return {k: datetime.fromisoformat(v) if k in {"start", "end"} else v for k, v in filters.items()}


def audit_export_start(*, account, user, fmt: str, filters: dict) -> AuditExport:
    """Record the export and start writing it once the record is committed."""
    audit_exports_remove_old()
    export = AuditExport.objects.create(
        account=account, requested_by=user, fmt=fmt, filters=_filters_to_json(filters)
    )
    transaction.on_commit(lambda: _in_background(export.pk))
    return export


def _in_background(export_id) -> None:
    # Not a daemon: a worker that exits gracefully lets the file finish first.
    threading.Thread(target=_run_in_thread, args=(export_id,), name=f"audit-export-{export_id}").start()


def _run_in_thread(export_id) -> None:
    close_old_connections()
    try:
        audit_export_write(export_id)
    finally:
        connection.close()  # this thread's own connection


def audit_export_write(export_id) -> AuditExport:
    """Write the export's file; mark it ready (or failed). Safe to call inline (tests, CLI)."""
    export = AuditExport.objects.select_related("account").get(pk=export_id)
    events = audit_event_list(account=export.account, **_filters_from_json(export.filters))
    target = export_path(export)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".part")
    rows = 0
    try:
        with open(partial, "w", encoding="utf-8", newline="") as out:
            header = True
            for page in keyset_pages(events):
                for chunk in export_lines(page, export.fmt, header=header):
                    out.write(chunk)
                header = False
                rows += len(page)
                AuditExport.objects.filter(pk=export.pk).update(rows=rows, updated_at=timezone.now())
            if header and export.fmt == "csv":
                out.writelines(export_lines([], "csv"))  # no events: the header alone
        partial.replace(target)
        status = ExportStatus.READY
    except Exception:
        logger.exception("audit export %s failed", export.pk)
        partial.unlink(missing_ok=True)
        status = ExportStatus.FAILED
    AuditExport.objects.filter(pk=export.pk).update(status=status, rows=rows, updated_at=timezone.now())
    export.refresh_from_db()
    return export


def audit_export_status(export: AuditExport) -> str:
    """The status to show: a running export without progress for EXPORT_STALL has failed."""
    if export.status == ExportStatus.RUNNING and timezone.now() - export.updated_at > EXPORT_STALL:
        return ExportStatus.FAILED
    if export.status == ExportStatus.READY and not export_path(export).exists():
        return ExportStatus.FAILED  # removed after AUDIT_EXPORT_KEEP_HOURS
    return export.status


def audit_exports_remove_old(*, now=None) -> int:
    """Delete export files and records older than AUDIT_EXPORT_KEEP_HOURS."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.AUDIT_EXPORT_KEEP_HOURS)
    old = list(AuditExport.objects.filter(created_at__lt=cutoff))
    for export in old:
        export_path(export).unlink(missing_ok=True)
    AuditExport.objects.filter(pk__in=[export.pk for export in old]).delete()
    return len(old)


def filters_summary(export: AuditExport) -> str:
    """The export's filter in words, as the Audit page's filters name things: "“Secret
    rotated” events of Billing sync (OQ…) by ana@example.com from 1 Mar 2025 to 31 Mar 2025"."""
    filters = _filters_from_json(export.filters or {})
    if not filters:
        return "all events"
    event_type = filters.get("event_type")
    words = [f"“{event_type_label(event_type)}” events" if event_type else "events"]
    if app_sid := filters.get("resource_sid"):
        apps = dict(audit_filter_apps(account=export.account))
        words.append(f"of {apps[app_sid]} ({app_sid})" if app_sid in apps else f"of app {app_sid}")
    if actor_sid := filters.get("actor_sid"):
        words.append(f"by {dict(audit_filter_actors(account=export.account)).get(actor_sid, actor_sid)}")
    for name, preposition in (("start", "from"), ("end", "to")):
        if filters.get(name):
            words.append(f"{preposition} {date_format(timezone.localtime(filters[name]), 'j M Y')}")
    return " ".join(words)
