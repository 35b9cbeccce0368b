"""The per-account hash chain of audit events: compute on write, verify on demand."""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from audit.models import AuditEvent, ChainAnchor

CHAINED_FIELDS = (
    "sid",
    "event_type",
    "actor_type",
    "actor_sid",
    "actor_label",
    "source",
    "source_ip_address",
    "resource_type",
    "resource_sid",
    "resource_name",
    "event_data",
    "description",
)


def event_digest(event: AuditEvent, account_sid: str, previous_hash: str) -> str:
    content = {field: getattr(event, field) for field in CHAINED_FIELDS}
    content["account_sid"] = account_sid
    content["event_date"] = event.event_date.isoformat()
    content["previous_hash"] = previous_hash
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def latest_chain_hash(account_id: int) -> str:
    last = (
        AuditEvent.objects.filter(account_id=account_id).order_by("-id").values_list("chain_hash", flat=True)
    )
    return last.first() or ""


@dataclass(frozen=True)
class ChainBreak:
    account_sid: str
    event_sid: str
    reason: str


def chain_breaks(account) -> Iterator[ChainBreak]:
    """Every place where the account's chain does not hold, in write order."""
    anchor = ChainAnchor.objects.filter(account=account).first()
    expected_previous = anchor.chain_hash if anchor else ""
    for event in AuditEvent.objects.filter(account=account).order_by("id").iterator(chunk_size=2000):
        if event.previous_hash != expected_previous:
            yield ChainBreak(account.sid, event.sid, "previous_hash does not match the event before it")
        if event.chain_hash != event_digest(event, account.sid, event.previous_hash):
            yield ChainBreak(account.sid, event.sid, "content does not match its chain_hash")
        expected_previous = event.chain_hash
