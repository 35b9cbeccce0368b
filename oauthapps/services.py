"""Every change to an OAuth app: one transaction each, announced by its oauth-apps.* signal.

The signal is sent inside the transaction, so the audit receiver's write and the change
commit or roll back together (docs/architecture.md: no change without its event, no event without
its change). Rotation, update and deletion lock the app row (a no-op on SQLite).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from console.actors import Actor, Source
from console.models import Account
from console.sids import new_sid
from oauthapps import signals
from oauthapps.models import (
    ACCESS_TOKEN_TTL_RANGE_TEXT,
    SECRET_GRACE_RANGE_TEXT,
    AppStatus,
    ClientSecret,
    IssuedToken,
    OAuthApp,
)
from oauthapps.secrets import secret_digest, secret_generate, secret_hint
from oauthapps.server.revocations import (
    app_key,
    covering_until,
    revocations_record,
    secret_key,
    secret_tokens_until,
)
from scopes.resolver import concrete_permissions, effective_permissions
from scopes.validation import ScopeError, validate_scopes

UNSET = object()


class AppLimitReached(ValidationError):
    """The account already holds settings.MAX_APPS_PER_ACCOUNT apps. A ValidationError
    without a field, so that every edge reports it as it reports the create's other errors."""

    def __init__(self, limit: int):
        super().__init__(
            {
                NON_FIELD_ERRORS: f"This account already has {limit} OAuth apps, the most it may have. "
                "Delete an app it no longer needs before creating another."
            }
        )


class OAuthAppError(Exception):
    """A change the services refuse for a reason of the domain, not of one field's value
    (those are ValidationErrors). Each edge translates it once, into its own answer."""


class AppGone(OAuthAppError):
    """The app was deleted (by someone else, meanwhile) before this change could lock it.
    The edges answer as for an app that does not exist: a 404, a message, a skipped row."""

    def __init__(self, client_id: str) -> None:
        self.client_id = client_id
        super().__init__(f"The OAuth app {client_id} no longer exists; it was deleted.")


class EditConflict(OAuthAppError):
    """The app changed since the editor loaded it; their edit would overwrite someone else's."""


class PermissionEscalation(OAuthAppError):
    """The caller would create, widen, change, delete or take over (by rotating its secret)
    an app holding permissions the caller does not hold itself."""

    def __init__(self, missing: Iterable[str]) -> None:
        self.missing = tuple(sorted(missing))
        super().__init__("The caller lacks: " + ", ".join(self.missing))


@dataclass(frozen=True)
class IssuedSecret:
    """An app with a freshly generated secret: the only moment the plaintext exists."""

    app: OAuthApp
    secret: str
    secret_record: ClientSecret


def _clean_scopes(scopes: Iterable[str], *, field: str = "scopes") -> list[str]:
    try:
        return validate_scopes(scopes)
    except ScopeError as exc:
        raise ValidationError({field: str(exc)}) from exc


def _clean_denied(denied: Iterable[str]) -> list[str]:
    denied = list(denied)
    if not denied:
        return []
    return _clean_scopes(denied, field="denied_scopes")


def _clean_text(value: str, *, field: str) -> str:
    """A text field of the app, by its model field's label, length and blank (= optional)."""
    model_field = OAuthApp._meta.get_field(field)
    label, max_length = model_field.verbose_name, model_field.max_length
    if not isinstance(value, str):
        raise ValidationError({field: f"{label} must be text."})
    value = value.strip()
    if not model_field.blank and not value:
        raise ValidationError({field: f"{label} is required."})
    if len(value) > max_length:
        raise ValidationError(
            {field: f"{label} must be at most {max_length} characters; it has {len(value)}."}
        )
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in value) or "\x7f" in value:
        raise ValidationError({field: f"{label} must not contain control characters."})
    return value


def _check_no_escalation(
    caller_permissions: Iterable[str] | None, *, actor: Actor, allow: Iterable[str], deny: Iterable[str]
) -> None:
    """Kubernetes RBAC's escalation check, where the grant is made: through the API an app
    may only hand out (or obtain the secret of) permissions it holds itself, or holding
    ``/create`` or ``/update`` alone would be holding everything. ``caller_permissions`` is
    None for console users with a managing role, staff and the command line: not limited."""
    if caller_permissions is None:
        if actor.source == Source.API:
            raise ValueError("An API caller's effective permissions are required.")
        return
    wanted = concrete_permissions(effective_permissions(allow, deny))
    missing = wanted - concrete_permissions(caller_permissions)
    if missing:
        raise PermissionEscalation(missing)


def _secrets_revoke(secrets: Iterable[ClientSecret], *, now) -> None:
    """Stop ``secrets`` at once and revoke the access tokens issued with them (a leak: the
    tokens obtained with a leaked secret are as exposed as the secret): each secret's
    ``token_tag`` is recorded as revoked (oauthapps/server/revocations.py). A token request that
    authenticated with one of them a moment before still gets a token carrying its tag, so
    that token is dead on arrival."""
    secrets = list(secrets)
    for record in secrets:
        record.revoked_at = now
        record.save(update_fields=["revoked_at"])
    revocations_record((secret_key(record.token_tag), covering_until(now)) for record in secrets)
    # Tokens issued before 0.2.0 are rows linked to their secret (oauthapps/server/token_rows.py).
    issued = IssuedToken.objects.filter(secret__in=secrets).values("access_token_id")
    get_access_token_model().objects.filter(pk__in=issued).delete()


def _clean_access_token_ttl(value) -> int:
    """A whole number of seconds within the model field's bounds (its own validators)."""
    field = OAuthApp._meta.get_field("access_token_ttl")
    if isinstance(value, bool) or not isinstance(value, int):  # int(90.5) and int(True) would pass
        raise ValidationError(
            {
                "access_token_ttl": f"{field.verbose_name} must be a whole number of seconds "
                f"from {ACCESS_TOKEN_TTL_RANGE_TEXT}."
            }
        )
    try:
        return field.clean(value, None)
    except ValidationError as exc:
        raise ValidationError({"access_token_ttl": exc.messages}) from None


def _clean_grace_period(grace_period: timedelta | None) -> timedelta:
    if grace_period is None:
        return settings.SECRET_GRACE
    if not timedelta(0) <= grace_period <= timedelta(seconds=settings.SECRET_GRACE_MAX_SECONDS):
        raise ValidationError({"grace_period": f"The grace period must be from {SECRET_GRACE_RANGE_TEXT}."})
    return grace_period


def _issue_secret(app: OAuthApp) -> tuple[str, ClientSecret]:
    plaintext = secret_generate()
    record = ClientSecret.objects.create(
        app=app,
        digest=secret_digest(plaintext),
        hint=secret_hint(plaintext),
        token_ttl_max=app.access_token_ttl,
    )
    return plaintext, record


@transaction.atomic
def oauth_app_create(
    *,
    account: Account,
    actor: Actor,
    name: str,
    description: str = "",
    scopes: Iterable[str],
    denied_scopes: Iterable[str] = (),
    access_token_ttl: int | None = None,
    created_by=None,
    caller_permissions: Iterable[str] | None = None,
) -> IssuedSecret:
    """Create an app and its first secret. The plaintext secret is returned once, never stored.
    ``access_token_ttl`` (seconds) defaults to ACCESS_TOKEN_TTL_SECONDS. Through the API, the
    app's effective permissions must be within ``caller_permissions``."""
    app = OAuthApp(
        client_id=new_sid("OQ"),
        account=account,
        name=_clean_text(name, field="name"),
        description=_clean_text(description, field="description"),
        scopes=_clean_scopes(scopes),
        denied_scopes=_clean_denied(denied_scopes),
        created_by=created_by,
        creator_sid=actor.sid,
        created_by_label=actor.label,
        client_type=OAuthApp.CLIENT_CONFIDENTIAL,
        authorization_grant_type=OAuthApp.GRANT_CLIENT_CREDENTIALS,
        client_secret="",
        hash_client_secret=False,
    )
    if access_token_ttl is not None:
        app.access_token_ttl = _clean_access_token_ttl(access_token_ttl)
    app.full_clean(exclude=["client_secret", "user"])
    _check_app_limit(account)
    _check_no_escalation(caller_permissions, actor=actor, allow=app.scopes, deny=app.denied_scopes)
    app.save()
    plaintext, record = _issue_secret(app)
    signals.oauth_app_created.send(sender=OAuthApp, payload=signals.AppCreated(app=app, actor=actor))
    return IssuedSecret(app=app, secret=plaintext, secret_record=record)


def _check_app_limit(account: Account) -> None:
    """Refuse a create beyond MAX_APPS_PER_ACCOUNT. Creates in one account take turns on the
    account's row until they commit, so concurrent creates cannot count the same free place.
    NO KEY UPDATE: rows that merely reference the account (apps, events) do not wait for it."""
    Account.objects.select_for_update(no_key=True).filter(pk=account.pk).values_list("pk").first()
    limit = settings.MAX_APPS_PER_ACCOUNT
    if OAuthApp.objects.filter(account=account, status=AppStatus.ACTIVE).count() >= limit:
        raise AppLimitReached(limit)


def _lock(app: OAuthApp) -> OAuthApp:
    """Re-read the app under a row lock; an app deleted meanwhile raises AppGone."""
    locked = OAuthApp.objects.select_for_update().filter(pk=app.pk, status=AppStatus.ACTIVE).first()
    if locked is None:
        raise AppGone(app.client_id)
    return locked


@transaction.atomic
def oauth_app_update(
    *,
    app: OAuthApp,
    actor: Actor,
    name=UNSET,
    description=UNSET,
    scopes=UNSET,
    denied_scopes=UNSET,
    access_token_ttl=UNSET,
    expected_version: int | None = None,
    caller_permissions: Iterable[str] | None = None,
) -> OAuthApp:
    """Change name, description, scopes and Token expiration time (tokens issued afterwards
    get the new one). Only fields given are changed; the event records each changed
    field's previous and updated value. Through the API, the app's resulting effective
    permissions must be within ``caller_permissions``."""
    locked = _lock(app)
    if expected_version is not None and locked.version != expected_version:
        raise EditConflict(
            "This app was changed by someone else since you opened it. "
            "Reload to see their changes, then edit again."
        )
    wanted = {}
    if name is not UNSET:
        wanted["name"] = _clean_text(name, field="name")
    if description is not UNSET:
        wanted["description"] = _clean_text(description, field="description")
    if scopes is not UNSET:
        wanted["scopes"] = _clean_scopes(scopes)
    if denied_scopes is not UNSET:
        wanted["denied_scopes"] = _clean_denied(denied_scopes)
    if access_token_ttl is not UNSET:
        wanted["access_token_ttl"] = _clean_access_token_ttl(access_token_ttl)
    # A weaker app must neither widen an app nor strip a stronger one: it needs every
    # effective permission of the app as it is, and as it would be.
    _check_no_escalation(caller_permissions, actor=actor, allow=locked.scopes, deny=locked.denied_scopes)
    _check_no_escalation(
        caller_permissions,
        actor=actor,
        allow=wanted.get("scopes", locked.scopes),
        deny=wanted.get("denied_scopes", locked.denied_scopes),
    )
    previous = {
        field: getattr(locked, field) for field, value in wanted.items() if getattr(locked, field) != value
    }
    updated = {field: wanted[field] for field in previous}
    if not updated:
        return locked
    for field, value in updated.items():
        setattr(locked, field, value)
    locked.version += 1
    locked.save(update_fields=[*updated, "version", "updated"])
    if "access_token_ttl" in updated:
        # Tokens issued before a shorter ttl keep their exp: each secret that may still obtain
        # tokens remembers the longest ttl it issued under (how long its tag must be kept).
        ClientSecret.objects.valid_at(timezone.now()).filter(
            app=locked, token_ttl_max__lt=locked.access_token_ttl
        ).update(token_ttl_max=locked.access_token_ttl)
    signals.oauth_app_updated.send(
        sender=OAuthApp,
        payload=signals.AppUpdated(app=locked, actor=actor, previous=previous, updated=updated),
    )
    return locked


@transaction.atomic
def oauth_app_secret_rotate(
    *,
    app: OAuthApp,
    actor: Actor,
    revoke_previous: bool = False,
    grace_period: timedelta | None = None,
    caller_permissions: Iterable[str] | None = None,
) -> IssuedSecret:
    """Replace the current secret. The replaced one keeps working for ``grace_period``
    (SECRET_GRACE when not given; 0 stops it at once). ``revoke_previous`` stops every
    previous secret at once and revokes the access tokens issued with them. Through the
    API, the caller must hold every effective permission of the app (it gets its secret).

    At most two secrets are valid at any time (Twilio's rule): a previous secret still in
    its grace period ends now, with its ``oauth-apps.secret-expired`` event. The app row
    lock serialises concurrent rotations, so two of them cannot leave three valid secrets.
    """
    grace_period = _clean_grace_period(grace_period)
    locked = _lock(app)
    _check_no_escalation(caller_permissions, actor=actor, allow=locked.scopes, deny=locked.denied_scopes)
    now = timezone.now()
    if not revoke_previous:
        # A secret that ends before its grace period ran out takes its tokens along.
        for older in ClientSecret.objects.in_grace_period(now).select_for_update().filter(app=locked):
            older.expires_at = now
            older.save(update_fields=["expires_at"])
            _secrets_revoke([older], now=now)
            signals.oauth_app_secret_expired.send(
                sender=OAuthApp, payload=signals.SecretExpired(app=locked, actor=actor, secret=older)
            )
    for previous in ClientSecret.objects.select_for_update().filter(
        app=locked, expires_at__isnull=True, revoked_at__isnull=True
    ):
        previous.replaced_at = now
        previous.expires_at = now + grace_period
        previous.save(update_fields=["replaced_at", "expires_at"])
        if not grace_period and not revoke_previous:
            # Twilio: "a grace period of 0 invalidates the previous credentials and access tokens".
            _secrets_revoke([previous], now=now)
    if revoke_previous:
        # Every previous secret not revoked yet: those in a grace period, and those whose grace
        # period ran out while their tokens may still be unexpired (their tag is kept for this).
        _secrets_revoke(
            ClientSecret.objects.select_for_update().filter(app=locked, revoked_at__isnull=True), now=now
        )
    plaintext, record = _issue_secret(locked)
    locked.save(update_fields=["updated"])
    signals.oauth_app_secret_rotated.send(
        sender=OAuthApp,
        payload=signals.SecretRotated(
            app=locked,
            actor=actor,
            secret=record,
            revoke_previous=revoke_previous,
            grace_period=grace_period,
        ),
    )
    return IssuedSecret(app=locked, secret=plaintext, secret_record=record)


@transaction.atomic
def oauth_app_secret_revoke(*, app: OAuthApp, actor: Actor, secret_id: int) -> ClientSecret:
    """Stop a previous (replaced) secret at once, e.g. because it leaked, and revoke the
    access tokens issued with it, also when its grace period already ran out and its tokens
    may still be unexpired. The current secret cannot be revoked this way: rotate
    instead, so the app always has one working secret."""
    locked = _lock(app)
    try:
        record = ClientSecret.objects.select_for_update().get(pk=secret_id, app=locked)
    except ClientSecret.DoesNotExist:
        raise ValidationError({"secret": "No such secret for this app."}) from None
    if record.is_current:
        raise ValidationError({"secret": "The current secret cannot be revoked; rotate the secret instead."})
    if record.revoked_at is not None:
        return record
    _secrets_revoke([record], now=timezone.now())
    signals.oauth_app_secret_revoked.send(
        sender=OAuthApp, payload=signals.SecretRevoked(app=locked, actor=actor, secret=record)
    )
    return record


@transaction.atomic
def oauth_app_delete(*, app: OAuthApp, actor: Actor, caller_permissions: Iterable[str] | None = None) -> None:
    """Delete the app: its secrets stop working at once (they go with it), and so do its
    access tokens (its Client ID is recorded as revoked, oauthapps/server/revocations.py).
    Through the API, the caller must hold every effective permission of the app."""
    locked = _lock(app)
    _check_no_escalation(caller_permissions, actor=actor, allow=locked.scopes, deny=locked.denied_scopes)
    client_id = locked.client_id
    revocations_record([(app_key(client_id), covering_until(timezone.now()))])
    get_access_token_model().objects.filter(application=locked).delete()  # rows of tokens before 0.2.0
    locked.delete()
    locked.client_id = client_id  # keep the SID on the in-memory object for the event
    signals.oauth_app_deleted.send(sender=OAuthApp, payload=signals.AppDeleted(app=locked, actor=actor))


def oauth_app_secrets_expire_lapsed(*, actor: Actor, now=None) -> int:
    """Record every replaced secret whose grace period has ended (each with an
    ``oauth-apps.secret-expired`` event), so operators can see when an old secret lapsed.
    One short transaction per secret. Returns how many lapsed."""
    now = now or timezone.now()
    lapsed = ClientSecret.objects.filter(
        expires_at__lte=now, revoked_at__isnull=True, tokens_expire_at__isnull=True
    )
    count = 0
    for secret_id in list(lapsed.values_list("pk", flat=True).iterator(chunk_size=1000)):
        with transaction.atomic():
            # Read again under the lock: another purge may have recorded it, or a revocation
            # ended it, meanwhile (each announced once).
            record = lapsed.select_for_update().select_related("app").filter(pk=secret_id).first()
            if record is None:  # removed, recorded or revoked meanwhile
                continue
            _secret_expire(record, app=record.app, actor=actor)
            count += 1
    return count


def _secret_expire(record: ClientSecret, *, app: OAuthApp, actor: Actor) -> None:
    """Announce that a replaced secret stopped working at its ``expires_at``. Its tokens live
    to their ``exp``; the record (and its ``token_tag``) is kept until the last of them has
    expired, so that revoking previous secrets still reaches them, then ``purge_expired``
    removes it. Inside the caller's transaction."""
    record.tokens_expire_at = secret_tokens_until(record.expires_at, record.token_ttl_max)
    record.save(update_fields=["tokens_expire_at"])
    signals.oauth_app_secret_expired.send(
        sender=OAuthApp, payload=signals.SecretExpired(app=app, actor=actor, secret=record)
    )
