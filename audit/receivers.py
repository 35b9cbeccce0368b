"""Turn each oauth-apps.* signal (and the console's sign-in lockouts) into an AuditEvent,
inside the sender's transaction."""

from django.db import transaction

from audit.chain import event_digest, latest_chain_hash
from audit.events import VIA, AppUpdated, TwilioActor, twilio_actor, wire_seconds, wire_time
from audit.metrics import AUDIT_EVENTS
from audit.models import AuditEvent
from console.actors import Actor
from console.models import Account, Membership, Role
from console.signals import (
    LOGIN_LOCKED,
    MEMBER_ADDED,
    MEMBER_REMOVED,
    console_login_locked,
    membership_changed,
)
from oauthapps import signals


def _describe(event_type: str, app, actor: Actor) -> str:
    verb = event_type.removeprefix("oauth-apps.").replace("-", " ")
    return f"OAuth app '{app.name}' {verb} by {actor.label or actor.type} via {VIA[actor.source]}"


def _secret_data(secret) -> dict:
    # The hint only: the audit trail must never hold anything that authenticates.
    data = {"hint": secret.hint, "created_at": wire_time(secret.created_at)}
    if secret.revoked_at is not None:
        data["revoked_at"] = wire_time(secret.revoked_at)
    if secret.expires_at is not None:
        data["expires_at"] = wire_time(secret.expires_at)
    return data


def _event_data(payload: signals.AppChange, who: TwilioActor) -> dict:
    event_data = dict(who.event_data)
    if isinstance(payload, signals.AppUpdated):
        event_data["resource_properties"] = AppUpdated.read(payload).resource_properties()
    if isinstance(payload, signals.SecretChange):
        event_data["secret"] = _secret_data(payload.secret)
    if isinstance(payload, signals.SecretRotated):
        if payload.revoke_previous:
            event_data["previous_secret_revoked"] = True
        # Under "details", as written when the grace period was an argument this receiver
        # did not know yet; in whole seconds, as the API's other durations.
        event_data["details"] = {"grace_period": wire_seconds(payload.grace_period)}
    return event_data


def record_event(sender, signal, payload: signals.AppChange, **kwargs) -> AuditEvent:
    event_type = signals.EVENT_TYPES[signal]
    app, actor = payload.app, payload.actor
    who = twilio_actor(actor, app.account.sid)
    return append_event(
        account_id=app.account_id,
        event_type=event_type,
        actor_type=who.actor_type,
        actor_sid=who.actor_sid,
        actor_label=actor.label,
        source=who.source,
        source_ip_address=actor.ip_address,
        resource_sid=app.client_id,
        resource_name=app.name,
        event_data=_event_data(payload, who),
        description=_describe(event_type, app, actor),
    )


def append_event(*, account_id: int, event_type: str, **fields) -> AuditEvent:
    """Add an event at the end of its account's hash chain."""
    # Lock the account row: events of one account are chained one after another, so two
    # concurrent changes must not both extend the same previous event.
    account = Account.objects.select_for_update().get(pk=account_id)
    event = AuditEvent(
        account=account, event_type=event_type, previous_hash=latest_chain_hash(account.pk), **fields
    )
    event.chain_hash = event_digest(event, account.sid, event.previous_hash)
    event.save()
    transaction.on_commit(lambda: AUDIT_EVENTS.labels(event_type=event_type).inc())
    return event


@transaction.atomic
def record_login_locked(sender, user, ip_address: str | None, **kwargs) -> None:
    """One event in each account the user belongs to: each account's administrators see it."""
    for account_id in Membership.objects.filter(user=user).values_list("account_id", flat=True):
        append_event(
            account_id=account_id,
            event_type=LOGIN_LOCKED,
            # Twilio's shape: the system locked the sign-in; nobody signed in did anything.
            actor_type="twilio-admin",
            actor_label="unknown (failed sign-ins)",
            source="web",
            event_data={"via": "console"},
            source_ip_address=ip_address,
            resource_type="user",
            resource_sid=user.sid,
            resource_name=user.email,
            description=f"Console sign-in locked for {user.email} after repeated failed attempts",
        )


ROLE_LABELS = dict(Role.choices)


def _describe_people_change(change) -> str:
    person, by = change.user.email, change.actor.label
    if change.event_type == MEMBER_ADDED:
        return f"{person} added as {ROLE_LABELS[change.role]} by {by}"
    if change.event_type == MEMBER_REMOVED:
        return f"{person} ({ROLE_LABELS[change.previous_role]}) removed by {by}"
    return f"{person} made {ROLE_LABELS[change.role]} (was {ROLE_LABELS[change.previous_role]}) by {by}"


def record_membership_changed(sender, change, **kwargs) -> AuditEvent:
    """A person added, re-roled or removed (console/people.py), as the Monitor API shows it:
    the resource is the person (``US…``), the roles before and after in event_data."""
    who = twilio_actor(change.actor, change.account.sid)
    return append_event(
        account_id=change.account.pk,
        event_type=change.event_type,
        actor_type=who.actor_type,
        actor_sid=who.actor_sid,
        actor_label=change.actor.label,
        source=who.source,
        source_ip_address=change.actor.ip_address,
        resource_type="user",
        resource_sid=change.user.sid,
        resource_name=change.user.email,
        event_data={**who.event_data, "role": {"previous": change.previous_role, "updated": change.role}},
        description=_describe_people_change(change),
    )


def connect() -> None:
    for signal in signals.EVENT_TYPES:
        signal.connect(record_event, sender=None, dispatch_uid=f"audit:{signals.EVENT_TYPES[signal]}")
    console_login_locked.connect(record_login_locked, dispatch_uid=f"audit:{LOGIN_LOCKED}")
    membership_changed.connect(record_membership_changed, dispatch_uid="audit:console.member")
