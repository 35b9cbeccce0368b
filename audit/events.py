"""How an oauth-apps.* event reads in Twilio's Monitor shape (the payload each signal
carries is a dataclass of ``oauthapps.signals``).

Twilio's shape (Monitor v1): ``source`` is ``web`` (console and Django admin), ``api`` (IAM
API) or ``twilio`` (command line, scheduled jobs); ``actor_type`` is ``user`` (a signed-in
person, ``US…``), ``account`` (an API call: the account's ``AC…``, the calling app in
``event_data.actor_app_sid``) or ``twilio-admin`` (staff and the system). The finer channel
(console, admin, api, cli) sits beside it in ``event_data.via``.

Events written before this shape (``source`` admin/cli, ``actor_type`` oauth-app/system,
``event_data.previous/updated`` keyed by model field names) are stored as written, since
the chain covers them; they are read through the same functions, which map them. So are
the values of earlier events: a grace period written as Python's duration text
(``"1 day, 0:00:00"``) reads as whole seconds, a time with microseconds and ``+00:00`` reads
as ``YYYY-MM-DDTHH:MM:SSZ``, as every other time of the API.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.utils.dateparse import parse_datetime, parse_duration

from console.actors import Actor, Source
from oauthapps import signals
from oauthapps.server.jwks import jwk_set_thumbprints

SOURCE = {Source.WEB: "web", Source.ADMIN: "web", Source.API: "api", Source.CLI: "twilio"}
VIA = {Source.WEB: "console", Source.ADMIN: "admin", Source.API: "api", Source.CLI: "cli"}
# Before the Twilio shape, ``source`` held the channel itself.
LEGACY_SOURCE = {"web": "web", "admin": "web", "api": "api", "cli": "twilio"}
LEGACY_VIA = {"web": "console", "admin": "admin", "api": "api", "cli": "cli"}

# The IAM API's name of each app field the services change (a field not listed keeps its name,
# e.g. access_token_ttl). scopes and denied_scopes are the API's policy.allow and policy.deny.
API_FIELD_NAMES = {"name": "friendly_name", "description": "description"}
POLICY_PARTS = {"scopes": "allow", "denied_scopes": "deny"}


# The console's words for each event type; the code stays what the API and exports show.
EVENT_TYPE_LABELS = {
    "oauth-apps.created": "App created",
    "oauth-apps.updated": "App updated",
    "oauth-apps.deleted": "App deleted",
    "oauth-apps.secret-rotated": "Secret rotated",
    "oauth-apps.secret-revoked": "Secret revoked",
    "oauth-apps.secret-expired": "Secret expired",
    "console.login-locked": "Sign-in locked",
    "console.member-added": "Person added",
    "console.member-role-changed": "Role changed",
    "console.member-removed": "Person removed",
}


def event_type_label(event_type: str) -> str:
    """An event type in words ("Secret rotated"); an unknown code reads as itself."""
    return EVENT_TYPE_LABELS.get(event_type, event_type)


@dataclass(frozen=True)
class AppUpdated(signals.AppUpdated):
    """An oauth-apps.updated payload, read as Twilio's Monitor events describe it."""

    @classmethod
    def read(cls, payload: signals.AppUpdated) -> "AppUpdated":
        return cls(app=payload.app, actor=payload.actor, previous=payload.previous, updated=payload.updated)

    def resource_properties(self) -> dict:
        """``{api_field: {"previous", "updated"}}`` as Twilio's Monitor events carry them."""
        properties = {}
        for name in self.previous.keys() - POLICY_PARTS.keys():
            previous, updated = self.previous[name], self.updated.get(name)
            if name == "jwks":  # keys by their RFC 7638 thumbprint, never whole
                previous, updated = jwk_set_thumbprints(previous), jwk_set_thumbprints(updated)
            properties[API_FIELD_NAMES.get(name, name)] = {"previous": previous, "updated": updated}
        if self.previous.keys() & POLICY_PARTS.keys():
            # The policy is one API field: both parts, the unchanged one as it is now.
            properties["policy"] = {
                moment: {
                    part: list(values.get(name, getattr(self.app, name)))
                    for name, part in POLICY_PARTS.items()
                }
                for moment, values in (("previous", self.previous), ("updated", self.updated))
            }
        return properties


def wire_time(moment: datetime) -> str:
    """A time as the API writes it everywhere: UTC, whole seconds (``event_date``'s shape)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def wire_seconds(duration: timedelta) -> int:
    return int(duration.total_seconds())


def _time_read(value):
    moment = parse_datetime(value) if isinstance(value, str) else None
    return wire_time(moment) if moment is not None and moment.tzinfo is not None else value


def _seconds_read(value):
    duration = parse_duration(value) if isinstance(value, str) else None
    return wire_seconds(duration) if duration is not None else value


def _values_read(data: dict) -> dict:
    """``event_data`` with the values of an earlier event in today's shape (a copy)."""
    if isinstance(data.get("secret"), dict):
        data["secret"] = {
            name: _time_read(value) if name.endswith("_at") else value
            for name, value in data["secret"].items()
        }
    if isinstance(data.get("details"), dict) and "grace_period" in data["details"]:
        data["details"] = {**data["details"], "grace_period": _seconds_read(data["details"]["grace_period"])}
    return data


@dataclass(frozen=True)
class TwilioActor:
    actor_type: str
    actor_sid: str
    source: str
    event_data: dict


def twilio_actor(actor: Actor, account_sid: str) -> TwilioActor:
    """Who did it, as Twilio's Monitor events say it."""
    data = {"via": VIA[actor.source]}
    if actor.type == "oauth-app":
        data["actor_app_sid"] = actor.sid
        return TwilioActor("account", account_sid, SOURCE[actor.source], data)
    if actor.type == "user" and actor.source != Source.ADMIN:
        return TwilioActor("user", actor.sid, SOURCE[actor.source], data)
    return TwilioActor("twilio-admin", actor.sid, SOURCE[actor.source], data)


def monitor_view(event) -> dict:
    """``actor_type``, ``actor_sid``, ``source`` and ``event_data`` of a stored event in
    Twilio's shape, whichever shape it was written in."""
    if "via" in (event.event_data or {}):
        return {
            "actor_type": event.actor_type,
            "actor_sid": event.actor_sid,
            "source": event.source,
            "event_data": _values_read(dict(event.event_data)),
        }
    data = _values_read(dict(event.event_data or {}))
    data["via"] = LEGACY_VIA.get(event.source, event.source)
    if "previous" in data and "updated" in data:
        previous, updated = data.pop("previous"), data.pop("updated")
        legacy = AppUpdated(app=None, actor=None, previous=previous, updated=updated)
        data["resource_properties"] = _legacy_properties(legacy)
    actor_type, actor_sid = event.actor_type, event.actor_sid
    if actor_type == "oauth-app":
        data["actor_app_sid"] = actor_sid
        actor_type, actor_sid = "account", event.account.sid
    elif (actor_type == "user" and event.source == "admin") or actor_type in {"system", "anonymous"}:
        actor_type = "twilio-admin"
    return {
        "actor_type": actor_type,
        "actor_sid": actor_sid,
        "source": LEGACY_SOURCE.get(event.source, event.source),
        "event_data": data,
    }


def _legacy_properties(change: AppUpdated) -> dict:
    # The app as it was is not stored with an old event: a policy part that did not change
    # is left out rather than guessed.
    properties = {}
    for name in change.previous:
        api_name = API_FIELD_NAMES.get(name, name)
        if name in POLICY_PARTS:
            policy = properties.setdefault("policy", {"previous": {}, "updated": {}})
            policy["previous"][POLICY_PARTS[name]] = change.previous[name]
            policy["updated"][POLICY_PARTS[name]] = change.updated.get(name)
        else:
            properties[api_name] = {"previous": change.previous[name], "updated": change.updated.get(name)}
    return properties


def channel(event) -> str:
    """Where the change was made, finer than Twilio's ``source``: console, admin, api or cli."""
    data = event.event_data or {}
    return data.get("via") or LEGACY_VIA.get(event.source, event.source)
