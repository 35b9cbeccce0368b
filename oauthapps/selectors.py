"""Reads of OAuth apps, always within one account."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from console.models import Account
from console.sids import is_sid
from oauthapps.models import AppStatus, ClientSecret, OAuthApp
from oauthapps.server.revocations import secret_tokens_until


def oauth_app_list(*, account: Account) -> QuerySet[OAuthApp]:
    return (
        OAuthApp.objects.filter(account=account, status=AppStatus.ACTIVE)
        .select_related("account")
        .order_by("-created", "-id")
    )


def oauth_app_search(*, account: Account, text: str) -> QuerySet[OAuthApp]:
    """The account's apps whose name or Client ID contains ``text`` (any case), newest first.
    A scan of one account's apps, which MAX_APPS_PER_ACCOUNT bounds."""
    apps = oauth_app_list(account=account)
    if text:
        apps = apps.filter(Q(name__icontains=text) | Q(client_id__icontains=text))
    return apps


def oauth_app_name_taken(*, app: OAuthApp) -> bool:
    """Whether another app of the same account has ``app``'s name (allowed, but confusing)."""
    return oauth_app_list(account=app.account).filter(name=app.name).exclude(pk=app.pk).exists()


def oauth_app_get(*, account: Account, sid: str) -> OAuthApp | None:
    """The app with Client ID ``sid`` in ``account``; None for another account's app, or
    for anything that is not a Client ID (a NUL character would be a database error)."""
    if not is_sid(sid, "OQ"):
        return None
    return oauth_app_list(account=account).filter(client_id=sid).first()


def oauth_app_secrets_in_use(*, app: OAuthApp) -> QuerySet[ClientSecret]:
    """The current secret and every replaced secret still inside its grace period."""
    return ClientSecret.objects.valid_at(timezone.now()).filter(app=app).order_by("-created_at", "-id")


@dataclass(frozen=True)
class PreviousSecret:
    """A replaced secret not revoked, as the console lists it."""

    secret: ClientSecret
    ended: bool  # its grace period ran out: it no longer obtains tokens
    tokens_valid_until: datetime  # when the last token it obtained has expired


def oauth_app_previous_secrets(*, app: OAuthApp) -> list[PreviousSecret]:
    """Every replaced secret not revoked: those in their grace period, and those whose grace
    period ran out while tokens they obtained may still be unexpired (revoking it still
    reaches those), newest first."""
    now = timezone.now()
    previous = ClientSecret.objects.filter(app=app, revoked_at__isnull=True, expires_at__isnull=False)
    listed = [
        PreviousSecret(
            secret=secret,
            ended=secret.expires_at <= now,
            tokens_valid_until=secret.tokens_expire_at
            or secret_tokens_until(secret.expires_at, secret.token_ttl_max),
        )
        for secret in previous.order_by("-created_at", "-id")
    ]
    return [entry for entry in listed if entry.tokens_valid_until > now]


def oauth_app_secret_in_grace_period(*, app: OAuthApp) -> ClientSecret | None:
    """The previous secret still in its grace period, if any: rotating now would end it at
    once (at most two valid secrets), so the console warns before it happens."""
    return ClientSecret.objects.in_grace_period(timezone.now()).filter(app=app).first()
