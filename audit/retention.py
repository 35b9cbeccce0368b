"""Retention (delete events older than the retention period, in batches) and export.

Deletion is the one sanctioned exception to append-only: it removes whole prefixes of each
account's chain and records, in an anchor signed with AUDIT_CHAIN_KEY, where the chain now
starts. On PostgreSQL the trigger lets a DELETE through only for events an anchor covers.
"""

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q, QuerySet

from audit.chain import anchor_sign
from audit.models import AuditEvent, ChainAnchor
from console.csv_cells import csv_safe

EXPORT_FIELDS = (
    "sid",
    "account_sid",
    "event_date",
    "event_type",
    "actor_type",
    "actor_sid",
    "actor_label",
    "source",
    "source_ip_address",
    "resource_type",
    "resource_sid",
    "resource_name",
    "description",
    "event_data",
    "previous_hash",
    "chain_hash",
)


def audit_events_purge(*, before: datetime, batch_size: int = 5000) -> int:
    """Delete events dated before ``before``, oldest first, ``batch_size`` rows per short
    transaction. Returns how many were deleted."""
    deleted = 0
    while True:
        with transaction.atomic():
            batch = list(
                AuditEvent.objects.filter(event_date__lt=before)
                .order_by("id")
                .values_list("id", "account_id", "chain_hash", "event_date")[:batch_size]
            )
            if not batch:
                return deleted
            last_by_account = {}
            for event_id, account_id, chain_hash, event_date in batch:
                last_by_account[account_id] = (event_id, chain_hash, event_date)
            for account_id, (event_id, chain_hash, event_date) in last_by_account.items():
                deleted += _purge_prefix(account_id, event_id, chain_hash, event_date)


def _purge_prefix(account_id: int, through_id: int, chain_hash: str, purged_through: datetime) -> int:
    """Delete the account's events up to ``through_id`` under a signed anchor written first
    (the PostgreSQL trigger looks for it)."""
    anchor = ChainAnchor.objects.select_related("account").filter(account_id=account_id).first()
    anchor = anchor or ChainAnchor(account_id=account_id)
    anchor.chain_hash = chain_hash
    anchor.purged_through = purged_through
    anchor.purged_through_event_id = through_id
    anchor_sign(anchor, anchor.account.sid)
    anchor.save()
    with connection.cursor() as cursor:
        # A prefix by id, so the first kept event is the one that points at the anchor.
        cursor.execute(
            "DELETE FROM audit_auditevent WHERE account_id = %s AND id <= %s", [account_id, through_id]
        )
        return cursor.rowcount


def _row(values: dict) -> dict:
    row = {field: values.get(field) for field in EXPORT_FIELDS}
    row["account_sid"] = values["account__sid"]
    row["event_date"] = values["event_date"].isoformat()
    return row


def audit_events_export(
    *, start: datetime | None, end: datetime | None, fmt: str, account_sid: str | None = None
) -> Iterator[str]:
    """Events in [start, end), oldest first, as JSON lines or CSV (header first), streamed."""
    events = AuditEvent.objects.all()
    if start:
        events = events.filter(event_date__gte=start)
    if end:
        events = events.filter(event_date__lt=end)
    if account_sid:
        events = events.filter(account__sid=account_sid)
    header = True
    for page in keyset_pages(events):
        yield from export_lines(page, fmt, header=header)
        header = False
    if header and fmt == "csv":
        yield from export_lines([], fmt)


# Read as plain values: building a model instance (and its account) per row was most of an
# export's time.
VALUE_FIELDS = (*(field for field in EXPORT_FIELDS if field != "account_sid"), "id", "account__sid")


def keyset_pages(events: QuerySet[AuditEvent], size: int = 2000) -> Iterator[list[dict]]:
    """``events`` oldest first as value rows, ``size`` at a time, each page its own short
    query after the last row of the one before: no transaction or server-side cursor stays
    open however long the whole export takes, and page 500 costs what page 1 does."""
    events = events.order_by("event_date", "id").values(*VALUE_FIELDS)
    last = None
    while True:
        page = events
        if last is not None:
            moment, last_id = last["event_date"], last["id"]
            after = Q(event_date__gt=moment) | Q(event_date=moment, id__gt=last_id)
            # The bound on the date alone makes each page an index range; the OR settles ties.
            page = events.filter(Q(event_date__gte=moment), after)
        rows = list(page[:size])
        if not rows:
            return
        yield rows
        last = rows[-1]


def export_lines(rows: Iterable[dict], fmt: str, *, header: bool = True) -> Iterator[str]:
    """Value rows (from keyset_pages) as JSON lines or CSV (with a header row unless
    ``header`` is false)."""
    if fmt == "jsonl":
        for values in rows:
            yield json.dumps(_row(values), default=str) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS)
    if header:
        writer.writeheader()
    for values in rows:
        row = _row(values)
        row["event_data"] = json.dumps(row["event_data"], sort_keys=True)
        writer.writerow({field: csv_safe(value) for field, value in row.items()})
    yield buffer.getvalue()
