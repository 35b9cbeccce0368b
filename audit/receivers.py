"""Turn each oauth-apps.* signal into an AuditEvent, inside the sender's transaction."""

from audit.models import AuditEvent
from console.actors import Actor
from oauthapps import signals


def _describe(event_type: str, app, actor: Actor) -> str:
    verb = event_type.removeprefix("oauth-apps.").replace("-", " ")
    return f"OAuth app '{app.name}' {verb} by {actor.label or actor.type} via {actor.source}"


def record_event(sender, signal, app, actor: Actor, **details) -> AuditEvent:
    event_type = signals.EVENT_TYPES[signal]
    event_data = {}
    if "previous" in details:
        event_data = {"previous": details["previous"], "updated": details["updated"]}
    secret = details.get("secret")
    if secret is not None:
        # The hint only: the audit trail must never hold anything that authenticates.
        event_data["secret"] = {"hint": secret.hint, "created_at": secret.created_at.isoformat()}
        if secret.revoked_at is not None:
            event_data["secret"]["revoked_at"] = secret.revoked_at.isoformat()
    if details.get("revoke_previous"):
        event_data["previous_secret_revoked"] = True
    return AuditEvent.objects.create(
        account_id=app.account_id,
        event_type=event_type,
        actor_type=actor.type,
        actor_sid=actor.sid,
        actor_label=actor.label,
        source=str(actor.source),
        source_ip_address=actor.ip_address,
        resource_sid=app.client_id,
        resource_name=app.name,
        event_data=event_data,
        description=_describe(event_type, app, actor),
    )


def connect() -> None:
    for signal in signals.EVENT_TYPES:
        signal.connect(record_event, sender=None, dispatch_uid=f"audit:{signals.EVENT_TYPES[signal]}")
