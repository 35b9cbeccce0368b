"""OAuth apps (the DOT Application model, swapped), their client secrets and signing keys."""

import secrets
from datetime import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from oauth2_provider.models import AbstractApplication
from oauth2_provider.settings import oauth2_settings

from console.models import Account


class AppStatus(models.TextChoices):
    ACTIVE = "active", "Active"


ACCESS_TOKEN_TTL_RANGE_TEXT = "1 minute (60 seconds) to 30 days (2,592,000 seconds)"
SECRET_GRACE_RANGE_TEXT = "0 (the old secret stops at once) to 30 days (2,592,000 seconds)"


def new_token_tag() -> str:
    """A secret's public, random name in the tokens it obtains (the ``secret_tag`` claim)."""
    return secrets.token_urlsafe(12)


def default_access_token_ttl() -> int:
    """A new app's Token expiration time: ACCESS_TOKEN_TTL_SECONDS, read when the app is made."""
    return settings.ACCESS_TOKEN_TTL_SECONDS


class OAuthApp(AbstractApplication):
    """An OAuth app: its Client ID (``OQ…``) is also its SID. Secrets live in ClientSecret.

    DOT's own ``client_secret`` column stays empty: one app has several valid secrets during
    a rotation, and they are stored as keyed digests (oauthapps/secrets.py).
    """

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="oauth_apps")
    # The one description of each field people edit: its label and limits. The services'
    # checks, the console and admin forms, the IAM serializer's help, the command line's help
    # and the audit trail's labels read them from here (``_meta.get_field(...)``).
    name = models.CharField("App name", max_length=100)  # DOT's is 255 and optional
    description = models.TextField("Description of the app", blank=True, max_length=1000)
    scopes = models.JSONField("OAuth Scopes", default=list)
    denied_scopes = models.JSONField("Denied scopes", default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    creator_sid = models.CharField(max_length=34, blank=True)
    created_by_label = models.CharField(max_length=254, blank=True)
    status = models.CharField(max_length=16, choices=AppStatus.choices, default=AppStatus.ACTIVE)
    access_token_ttl = models.PositiveIntegerField(
        "Token expiration time",
        default=default_access_token_ttl,
        validators=[
            MinValueValidator(
                settings.ACCESS_TOKEN_TTL_MIN_SECONDS,
                message=f"Token expiration time must be from {ACCESS_TOKEN_TTL_RANGE_TEXT}.",
            ),
            MaxValueValidator(
                settings.ACCESS_TOKEN_TTL_MAX_SECONDS,
                message=f"Token expiration time must be from {ACCESS_TOKEN_TTL_RANGE_TEXT}.",
            ),
        ],
        help_text=f"How long the app's access tokens are valid, in seconds: {ACCESS_TOKEN_TTL_RANGE_TEXT}. "
        "A change applies to tokens issued afterwards.",
    )
    # Bumped by every update, so that two editors of one app see a conflict instead of a lost edit.
    version = models.PositiveIntegerField(default=1)

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        verbose_name = "OAuth app"
        indexes = [models.Index(fields=["account", "-created"], name="oauthapp_account_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"

    @property
    def sid(self) -> str:
        return self.client_id

    def is_usable(self, request) -> bool:
        return self.status == AppStatus.ACTIVE


class ClientSecretQuerySet(models.QuerySet):
    def valid_at(self, moment: datetime) -> "ClientSecretQuerySet":
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=moment)
        )

    def in_grace_period(self, moment: datetime) -> "ClientSecretQuerySet":
        return self.valid_at(moment).filter(expires_at__isnull=False)


class ClientSecret(models.Model):
    """One client secret of an app, as a keyed digest. The current one has no ``expires_at``;
    a replaced one expires when its grace period ends, or at once when revoked."""

    app = models.ForeignKey(OAuthApp, on_delete=models.CASCADE, related_name="secrets")
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    replaced_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Carried by every token this secret obtains, so that revoking the secret revokes them
    # (oauthapps/server/revocations.py). Random, so that a token tells nothing about the secret.
    token_tag = models.CharField(max_length=16, unique=True, default=new_token_tag, editable=False)
    # The longest Token expiration time (seconds) the app had while this secret could obtain
    # tokens; None (secrets older than this field) stands for ACCESS_TOKEN_TTL_MAX_SECONDS.
    token_ttl_max = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # Set when a grace period simply ran out: the secret is kept (and its tag with it, so a
    # later revocation still reaches its tokens) until its last token has expired.
    tokens_expire_at = models.DateTimeField(null=True, blank=True)

    objects = ClientSecretQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["app", "expires_at"], name="clientsecret_app_expires")]
        constraints = [
            models.UniqueConstraint(
                fields=["app"],
                condition=Q(expires_at__isnull=True, revoked_at__isnull=True),
                name="one_current_secret",
            )
        ]

    def __str__(self) -> str:
        # Never the digest: __str__ reaches admin breadcrumbs, logs and tracebacks (DOT #1736).
        return f"Secret {self.hint} of {self.app_id}"

    @property
    def is_current(self) -> bool:
        return self.expires_at is None and self.revoked_at is None


class Revocation(models.Model):
    """Access tokens that stop before their ``exp``: one token (by ``jti``, RFC 7009), every
    token a secret obtained (by its ``token_tag``), every token of a deleted app (by Client
    ID). Issuing a token writes nothing; a check looks its three keys up here, through the
    shared cache (oauthapps/server/revocations.py). A row is kept until every token it covers has
    expired (``until``), then ``manage.py purge_expired`` removes it."""

    key = models.CharField(max_length=80, unique=True)  # "jti:…", "secret:…" or "app:…"
    until = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The app whose token a "jti:" revocation stops: REVOCATIONS_MAX_JTI_PER_APP is counted by
    # it. Empty for the other kinds (and for revocations recorded before it existed).
    client_id = models.CharField(max_length=34, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["client_id", "until"], name="revocation_client_until")]

    def __str__(self) -> str:
        kind, _, _value = self.key.partition(":")
        return f"Revocation of a {kind} until {self.until:%Y-%m-%d %H:%M}"


class IssuedToken(models.Model):
    """Tokens issued before 0.2.0 were recorded as rows (DOT's AccessToken, by checksum),
    each linked to the secret that obtained it; a check of such a token (it has no
    ``secret_tag`` claim) still requires its row. No new rows are written: once
    ACCESS_TOKEN_TTL_MAX_SECONDS has passed since the upgrade, no such token is left."""

    access_token = models.OneToOneField(
        oauth2_settings.ACCESS_TOKEN_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="issued_with",
    )
    secret = models.ForeignKey(ClientSecret, on_delete=models.CASCADE, related_name="issued_tokens")

    def __str__(self) -> str:
        return f"Token {self.access_token_id} issued with secret {self.secret_id}"


class SigningKey(models.Model):
    """A JWT signing key. The newest unretired key signs; retired keys stay in the JWKS
    until every token they signed has expired."""

    kid = models.CharField(max_length=64, unique=True)
    algorithm = models.CharField(max_length=10)
    # PKCS#8 PEM, encrypted with a key derived from SECRET_KEY (oauthapps/server/signing_keys.py).
    private_key_pem = models.TextField()
    public_jwk = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.algorithm} key {self.kid}"
