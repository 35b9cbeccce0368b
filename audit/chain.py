"""The per-account chain of audit events, keyed with AUDIT_CHAIN_KEY: compute on write,
verify on demand, and the signed anchors that retention leaves where a chain now starts.

The key is not in the database, so whoever can write the tables (but does not hold the key)
cannot recompute a chain over changed events or sign an anchor that hides removed ones.
"""

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

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


def _mac(message: str) -> str:
    return hmac.new(settings.AUDIT_CHAIN_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()


def event_digest(event: AuditEvent, account_sid: str, previous_hash: str) -> str:
    """HMAC-SHA256 of the event's content and the previous event's digest."""
    content = {field: getattr(event, field) for field in CHAINED_FIELDS}
    content["account_sid"] = account_sid
    content["event_date"] = event.event_date.isoformat()
    content["previous_hash"] = previous_hash
    return _mac(json.dumps(content, sort_keys=True, separators=(",", ":"), default=str))


def anchor_signature(*, account_sid: str, chain_hash: str, purged_through: datetime, through_id: int) -> str:
    return _mac(f"anchor|{account_sid}|{chain_hash}|{purged_through.isoformat()}|{through_id}")


def anchor_sign(anchor: ChainAnchor, account_sid: str) -> None:
    anchor.signature = anchor_signature(
        account_sid=account_sid,
        chain_hash=anchor.chain_hash,
        purged_through=anchor.purged_through,
        through_id=anchor.purged_through_event_id,
    )


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


def _anchor_breaks(account, anchor: ChainAnchor) -> Iterator[ChainBreak]:
    expected = anchor_signature(
        account_sid=account.sid,
        chain_hash=anchor.chain_hash,
        purged_through=anchor.purged_through,
        through_id=anchor.purged_through_event_id or 0,
    )
    if not hmac.compare_digest(anchor.signature, expected):
        yield ChainBreak(account.sid, "anchor", "the retention anchor's signature does not match")
    covered_from = timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    if anchor.purged_through >= covered_from:
        yield ChainBreak(
            account.sid,
            "anchor",
            f"events up to {anchor.purged_through.isoformat()} were removed, but the retention "
            f"period ({settings.AUDIT_RETENTION_DAYS} days) still covers them",
        )


def chain_breaks(account) -> Iterator[ChainBreak]:
    """Every place where the account's chain does not hold, in write order."""
    anchor = ChainAnchor.objects.filter(account=account).first()
    expected_previous = ""
    if anchor is not None:
        yield from _anchor_breaks(account, anchor)
        expected_previous = anchor.chain_hash
    for event in AuditEvent.objects.filter(account=account).order_by("id").iterator(chunk_size=2000):
        if event.previous_hash != expected_previous:
            yield ChainBreak(account.sid, event.sid, "previous_hash does not match the event before it")
        if not hmac.compare_digest(event.chain_hash, event_digest(event, account.sid, event.previous_hash)):
            yield ChainBreak(account.sid, event.sid, "content does not match its chain_hash")
        expected_previous = event.chain_hash


@dataclass(frozen=True)
class ChainHead:
    """The newest event of an account's chain: kept outside the database, it shows later
    whether events were cut from the end (which the chain alone cannot)."""

    account_sid: str
    event_sid: str
    chain_hash: str
    event_date: datetime

    def line(self) -> str:
        return f"head {self.account_sid} {self.event_sid} {self.chain_hash} {self.event_date.isoformat()}"

    @classmethod
    def parse(cls, line: str) -> "ChainHead | None":
        parts = line.split()
        if len(parts) != 5 or parts[0] != "head":
            return None
        return cls(parts[1], parts[2], parts[3], datetime.fromisoformat(parts[4]))


def chain_head(account) -> ChainHead | None:
    event = AuditEvent.objects.filter(account=account).order_by("-id").first()
    if event is None:
        return None
    return ChainHead(account.sid, event.sid, event.chain_hash, event.event_date)


def missing_heads(heads: Iterable[ChainHead], accounts) -> Iterator[ChainBreak]:
    """Expected heads that are no longer in their chain, unless retention removed them."""
    by_sid = {account.sid: account for account in accounts}
    for head in heads:
        account = by_sid.get(head.account_sid)
        if account is None:
            continue
        if AuditEvent.objects.filter(
            account=account, sid=head.event_sid, chain_hash=head.chain_hash
        ).exists():
            continue  # still there: the chain check covers everything written after it
        anchor = ChainAnchor.objects.filter(account=account).first()
        if anchor is not None and anchor.purged_through >= head.event_date:
            continue  # removed by retention, under a signed anchor
        yield ChainBreak(
            account.sid, head.event_sid, "an expected chain head is gone: events were cut from the end"
        )
