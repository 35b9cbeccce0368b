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

from console.actors import Actor, Source
from console.models import Account
from console.sids import new_sid
from oauthapps import signals
from oauthapps.models import (
    ACCESS_TOKEN_TTL_RANGE_TEXT,
    MAX_FEDERATED_CREDENTIALS,
    SECRET_GRACE_RANGE_TEXT,
    SECRET_METHODS,
    AppStatus,
    AuthMethod,
    ClientSecret,
    OAuthApp,
)
from oauthapps.secrets import secret_digest, secret_generate, secret_hint
from oauthapps.server.jwks import InvalidJwk, jwk_set_validate
from oauthapps.server.key_fetch import KeyFetchError, url_check
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


class NoSecret(OAuthAppError):
    """The app authenticates with a key or a federated identity: it has no secret to rotate."""

    def __init__(self, client_id: str) -> None:
        self.client_id = client_id
        super().__init__(
            f"The OAuth app {client_id} authenticates with private_key_jwt (a key or a federated identity) "
            "and has no client secret; there is no secret to rotate. Change its keys or federated "
            "credentials instead."
        )


@dataclass(frozen=True)
class IssuedSecret:
    """An app with a freshly generated secret: the only moment the plaintext exists. A key or
    federated app is created without one (``secret`` and ``secret_record`` are None)."""

    app: OAuthApp
    secret: str | None
    secret_record: ClientSecret | None


AUTH_FIELDS = ("token_endpoint_auth_method", "jwks", "jwks_uri", "federated_credentials")
FEDERATED_MEMBERS = frozenset({"issuer", "subject", "audiences", "claims"})
MAX_AUDIENCES = 10
MAX_PINNED_CLAIMS = 20


def _clean_auth(*, method, jwks, jwks_uri, federated_credentials) -> dict:
    """How the app proves itself, checked as a whole: a secret method with no keys, or
    private_key_jwt with inline keys or a jwks_uri (not both, RFC 7591 §2) and/or federated
    credentials. Returns the four fields' clean values."""
    if method not in AuthMethod.values:
        raise ValidationError(
            {
                "token_endpoint_auth_method": "token_endpoint_auth_method must be one of "
                + ", ".join(AuthMethod.values)
                + "."
            }
        )
    jwks = jwks or None
    jwks_uri = jwks_uri.strip() if isinstance(jwks_uri, str) else jwks_uri or ""
    federated_credentials = federated_credentials if federated_credentials is not None else []
    if method in SECRET_METHODS:
        given = [
            name
            for name, value in (
                ("jwks", jwks),
                ("jwks_uri", jwks_uri),
                ("federated_credentials", federated_credentials),
            )
            if value
        ]
        if given:
            raise ValidationError(
                {
                    given[
                        0
                    ]: f"{given[0]} is only for apps whose token_endpoint_auth_method is private_key_jwt."
                }
            )
        return {
            "token_endpoint_auth_method": method,
            "jwks": None,
            "jwks_uri": "",
            "federated_credentials": [],
        }
    if jwks and jwks_uri:
        raise ValidationError(
            {
                "jwks": "Give the public keys either inline (jwks) or at a URL (jwks_uri), "
                "not both (RFC 7591 §2)."
            }
        )
    if not (jwks or jwks_uri or federated_credentials):
        raise ValidationError(
            {
                "token_endpoint_auth_method": "A private_key_jwt app needs its public keys (jwks or jwks_uri)"
                " or at least one federated credential."
            }
        )
    if jwks:
        try:
            jwks = jwk_set_validate(jwks)
        except InvalidJwk as exc:
            raise ValidationError({"jwks": str(exc)}) from None
    if jwks_uri:
        try:
            jwks_uri = url_check(jwks_uri, label="jwks_uri")
        except KeyFetchError as exc:
            raise ValidationError({"jwks_uri": str(exc)}) from None
    return {
        "token_endpoint_auth_method": method,
        "jwks": jwks,
        "jwks_uri": jwks_uri,
        "federated_credentials": _clean_federated(federated_credentials),
    }


def _clean_federated(credentials) -> list[dict]:
    """At most MAX_FEDERATED_CREDENTIALS of ``{issuer, subject, audiences, claims}``, each
    ``issuer`` an https URL, each pair of issuer and subject once."""
    field = "federated_credentials"
    if not isinstance(credentials, list):
        raise ValidationError({field: "federated_credentials must be a list."})
    if len(credentials) > MAX_FEDERATED_CREDENTIALS:
        raise ValidationError(
            {field: f"An app may have at most {MAX_FEDERATED_CREDENTIALS} federated credentials."}
        )
    clean, seen = [], set()
    for number, credential in enumerate(credentials, start=1):
        label = f"Federated credential {number}"
        if not isinstance(credential, dict) or set(credential) - FEDERATED_MEMBERS:
            raise ValidationError(
                {field: f"{label} must be an object with issuer, subject, audiences and optionally claims."}
            )
        issuer, subject = credential.get("issuer"), credential.get("subject")
        audiences, claims = credential.get("audiences"), credential.get("claims") or {}
        try:
            url_check(issuer, label=f"issuer of {label.lower()}")
        except KeyFetchError as exc:
            raise ValidationError({field: str(exc)}) from None
        if not isinstance(subject, str) or not subject.strip() or len(subject) > 500:
            raise ValidationError(
                {field: f"{label} needs a subject: the exact sub claim, at most 500 characters."}
            )
        if (
            not isinstance(audiences, list)
            or not 1 <= len(audiences) <= MAX_AUDIENCES
            or not all(isinstance(a, str) and a.strip() and len(a) <= 500 for a in audiences)
        ):
            raise ValidationError(
                {field: f"{label} needs 1 to {MAX_AUDIENCES} audiences, each a non-empty string."}
            )
        if (
            not isinstance(claims, dict)
            or len(claims) > MAX_PINNED_CLAIMS
            or not all(isinstance(v, str | int | bool) and not isinstance(v, float) for v in claims.values())
            or set(claims) & {"iss", "sub", "aud", "exp", "nbf", "iat"}
        ):
            raise ValidationError(
                {
                    field: f"{label}: claims must map at most {MAX_PINNED_CLAIMS} claim names (not iss, sub, "
                    "aud or times) to exact string, number or boolean values."
                }
            )
        if (issuer, subject) in seen:
            raise ValidationError({field: f"{label} repeats the issuer and subject of another credential."})
        seen.add((issuer, subject))
        entry = {"issuer": issuer, "subject": subject, "audiences": list(audiences)}
        if claims:
            entry["claims"] = dict(claims)
        clean.append(entry)
    return clean


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


def _clean_flag(value, *, field: str) -> bool:
    if not isinstance(value, bool):
        label = OAuthApp._meta.get_field(field).verbose_name
        raise ValidationError({field: f"{label} must be true or false."})
    return value


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
    dpop_bound_access_tokens: bool = False,
    token_endpoint_auth_method: str = AuthMethod.CLIENT_SECRET_BASIC,
    jwks: dict | None = None,
    jwks_uri: str = "",
    federated_credentials: list | None = None,
    created_by=None,
    caller_permissions: Iterable[str] | None = None,
) -> IssuedSecret:
    """Create an app and, when it authenticates with a secret, its first secret: the
    plaintext secret is returned once, never stored. A ``private_key_jwt`` app (keys or
    federated credentials) gets none. ``access_token_ttl`` (seconds) defaults to
    ACCESS_TOKEN_TTL_SECONDS. With ``dpop_bound_access_tokens`` the app gets DPoP-bound
    tokens only (RFC 9449 §5.2). Through the API, the app's effective permissions must be
    within ``caller_permissions``."""
    auth = _clean_auth(
        method=token_endpoint_auth_method,
        jwks=jwks,
        jwks_uri=jwks_uri,
        federated_credentials=federated_credentials,
    )
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
        dpop_bound_access_tokens=_clean_flag(dpop_bound_access_tokens, field="dpop_bound_access_tokens"),
        **auth,
    )
    if access_token_ttl is not None:
        app.access_token_ttl = _clean_access_token_ttl(access_token_ttl)
    # The lifetime is checked once: just above, or at start-up for the default (settings).
    app.full_clean(exclude=["access_token_ttl"])
    _check_app_limit(account)
    _check_no_escalation(caller_permissions, actor=actor, allow=app.scopes, deny=app.denied_scopes)
    app.save()
    plaintext, record = _issue_secret(app) if app.uses_secret else (None, None)
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
    dpop_bound_access_tokens=UNSET,
    token_endpoint_auth_method=UNSET,
    jwks=UNSET,
    jwks_uri=UNSET,
    federated_credentials=UNSET,
    expected_version: int | None = None,
    caller_permissions: Iterable[str] | None = None,
) -> OAuthApp:
    """Change name, description, scopes, Token expiration time (tokens issued afterwards
    get the new one), whether the app requires DPoP-bound tokens (from its next token
    request; tokens already issued keep their binding, or lack of it) and how the app proves
    itself. Only fields given are changed; the event records each changed field's previous
    and updated value. Through the API, the app's resulting effective permissions must be
    within ``caller_permissions``.

    A secret app switched to ``private_key_jwt`` loses its secrets at once, with the
    tokens they obtained (as a revoked secret does); a key app switched to a secret method
    loses its keys and federated credentials and has no secret until one is rotated in."""
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
    if dpop_bound_access_tokens is not UNSET:
        wanted["dpop_bound_access_tokens"] = _clean_flag(
            dpop_bound_access_tokens, field="dpop_bound_access_tokens"
        )
    given_auth = dict(
        token_endpoint_auth_method=token_endpoint_auth_method,
        jwks=jwks,
        jwks_uri=jwks_uri,
        federated_credentials=federated_credentials,
    )
    if any(value is not UNSET for value in given_auth.values()):
        wanted.update(_updated_auth(locked, given_auth))
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
    was_secret_app = locked.uses_secret
    for field, value in updated.items():
        setattr(locked, field, value)
    if was_secret_app and not locked.uses_secret:
        _secrets_revoke(
            ClientSecret.objects.select_for_update().filter(app=locked).valid_at(timezone.now()),
            now=timezone.now(),
        )
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


def _updated_auth(app: OAuthApp, given: dict) -> dict:
    """The four authentication fields after an update giving some of them: the others keep
    their values, except that a switch to a secret method drops the keys not given."""
    method = given["token_endpoint_auth_method"]
    method = app.token_endpoint_auth_method if method is UNSET else method
    switching_to_secret = method in SECRET_METHODS and not app.uses_secret
    current = {
        "jwks": None if switching_to_secret else app.jwks,
        "jwks_uri": "" if switching_to_secret else app.jwks_uri,
        "federated_credentials": [] if switching_to_secret else app.federated_credentials,
    }
    merged = {name: current[name] if given[name] is UNSET else given[name] for name in current}
    if given["jwks"] not in (UNSET, None, {}) and given["jwks_uri"] is UNSET:
        merged["jwks_uri"] = ""  # new inline keys replace a jwks_uri
    if given["jwks_uri"] not in (UNSET, None, "") and given["jwks"] is UNSET:
        merged["jwks"] = None  # and a new jwks_uri replaces inline keys
    return _clean_auth(method=method, **merged)


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
    if not locked.uses_secret:
        raise NoSecret(locked.client_id)
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
