"""Who did something, and from where: passed to every service for the audit trail."""

from dataclasses import dataclass
from enum import StrEnum


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
    """The peer address. Behind a proxy, configure it to set REMOTE_ADDR (see README)."""
    return request.META.get("REMOTE_ADDR") or None
