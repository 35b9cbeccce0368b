"""Who did something, and from where: passed to every service for the audit trail."""

import functools
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings


class Source(StrEnum):
    WEB = "web"
    API = "api"
    ADMIN = "admin"
    CLI = "cli"


@dataclass(frozen=True)
class Actor:
    """The author of a change: a console user, an OAuth app (API) or the system (CLI)."""

    type: str  # "user", "oauth-app" or "system"
    sid: str
    label: str
    source: Source
    ip_address: str | None = None

    @classmethod
    def for_user(cls, user, source: Source, ip_address: str | None = None) -> "Actor":
        return cls(type="user", sid=user.sid, label=user.email, source=source, ip_address=ip_address)

    @classmethod
    def for_app(cls, app, ip_address: str | None = None) -> "Actor":
        return cls(
            type="oauth-app", sid=app.client_id, label=app.name, source=Source.API, ip_address=ip_address
        )

    @classmethod
    def system(cls, label: str = "manage.py") -> "Actor":
        return cls(type="system", sid="", label=label, source=Source.CLI)


def client_ip(request) -> str | None:
    """The client's address, for every per-IP limit, the audit and /metrics."""
    return client_address(request.META)


def client_address(meta: Mapping[str, str]) -> str | None:
    """The peer address, or, when the peer is a trusted proxy, the rightmost address of
    ``X-Forwarded-For`` that is not one: every hop left of it is whatever the client wrote.
    ``meta`` is a WSGI environ (``request.META``, or oauthlib's copy of it)."""
    peer = meta.get("REMOTE_ADDR") or None
    networks = _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if peer is None or not _within(peer, networks):
        return peer
    hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_address(hop):
            return peer  # a garbled header from the proxy's side: trust only what we saw
        if not _within(hop, networks):
            return hop
    return hops[0] if hops else peer


@functools.lru_cache(maxsize=8)
def _trusted_networks(cidrs: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _within(address: str, networks: tuple) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)
