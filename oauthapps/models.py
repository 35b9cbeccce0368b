"""OAuth apps, their client secrets, the signing keys and the revocations."""

import secrets
from datetime import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from console.models import Account
from console.templatetags.console_ui import seconds_label


class AppStatus(models.TextChoices):
    ACTIVE = "active", "Active"


class AuthMethod(models.TextChoices):
    """How an app proves itself at the token endpoint (RFC 7591 §2 names)."""

    CLIENT_SECRET_BASIC = "client_secret_basic", "Client secret"
    CLIENT_SECRET_POST = "client_secret_post", "Client secret (in the form body)"
    # With keys (jwks or jwks_uri) and/or federated_credentials: no secret at all.
    PRIVATE_KEY_JWT = "private_key_jwt", "Private key or federated identity"


SECRET_METHODS = frozenset({AuthMethod.CLIENT_SECRET_BASIC, AuthMethod.CLIENT_SECRET_POST})
MAX_FEDERATED_CREDENTIALS = 20


# The ranges are settings' numbers (ACCESS_TOKEN_TTL_MIN/MAX_SECONDS, SECRET_GRACE_MAX_SECONDS);
# every message and help text that names a range says it in these words.
_TTL_MIN, _TTL_MAX = settings.ACCESS_TOKEN_TTL_MIN_SECONDS, settings.ACCESS_TOKEN_TTL_MAX_SECONDS
_GRACE_MAX = settings.SECRET_GRACE_MAX_SECONDS
ACCESS_TOKEN_TTL_RANGE_WORDS = f"{seconds_label(_TTL_MIN)} to {seconds_label(_TTL_MAX)}"
ACCESS_TOKEN_TTL_RANGE_TEXT = (
    f"{seconds_label(_TTL_MIN)} ({_TTL_MIN:,} seconds) to {seconds_label(_TTL_MAX)} ({_TTL_MAX:,} seconds)"
)
SECRET_GRACE_RANGE_WORDS = f"0 to {seconds_label(_GRACE_MAX)}"
SECRET_GRACE_RANGE_TEXT = (
    f"0 (the old secret stops at once) to {seconds_label(_GRACE_MAX)} ({_GRACE_MAX:,} seconds)"
)


def new_token_tag() -> str:
    """A secret's public, random name in the tokens it obtains (the ``secret_tag`` claim)."""
    return secrets.token_urlsafe(12)


def default_access_token_ttl() -> int:
    """A new app's Token expiration time: ACCESS_TOKEN_TTL_SECONDS, read when the app is made."""
    return settings.ACCESS_TOKEN_TTL_SECONDS


class OAuthApp(models.Model):
    """An OAuth app: its Client ID (``OQ…``) is also its SID. Secrets live in ClientSecret
    (several are valid during a rotation), as keyed digests (oauthapps/secrets.py). Every
    app is a confidential client of the client credentials grant (RFC 6749 §4.4)."""

    # Client credentials is the one grant this server has (docs/decisions/0001).
    GRANT_CLIENT_CREDENTIALS = "client-credentials"

    id = models.BigAutoField(primary_key=True)
    client_id = models.CharField("Client ID", max_length=255, unique=True, db_index=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="oauth_apps")
    # The one description of each field people edit: its label and limits. The services'
    # checks, the console and admin forms, the IAM serializer's help, the command line's help
    # and the audit trail's labels read them from here (``_meta.get_field(...)``).
    name = models.CharField("App name", max_length=100)
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
    token_endpoint_auth_method = models.CharField(
        "Client authentication",
        max_length=32,
        choices=AuthMethod.choices,
        default=AuthMethod.CLIENT_SECRET_BASIC,
        help_text="client_secret_basic or client_secret_post: the app has client secrets. private_key_jwt: "
        "it signs a JWT with its own key (jwks or jwks_uri) or presents a federated platform's token "
        "(federated_credentials), and has no secret at all.",
    )
    jwks = models.JSONField(
        "Public keys (JWK Set)",
        null=True,
        blank=True,
        help_text='The app\'s public keys as an RFC 7517 JWK Set, {"keys": [...]}: RSA (2048 bits or more), '
        "EC P-256 or P-384, or Ed25519. Never a private key.",
    )
    jwks_uri = models.CharField(
        "Public keys URL (jwks_uri)",
        max_length=2000,
        blank=True,
        help_text="An https URL serving the app's JWK Set; fetched and cached (5 minutes to a day).",
    )
    federated_credentials = models.JSONField(
        "Federated credentials",
        default=list,
        blank=True,
        help_text=f"At most {MAX_FEDERATED_CREDENTIALS} of {{issuer, subject, audiences, claims}}: a token "
        "that issuer signed for that subject and audience authenticates the app.",
    )
    # RFC 9449 §5.2 client metadata: every token of the app must be DPoP-bound; a token
    # request without a DPoP proof is refused.
    dpop_bound_access_tokens = models.BooleanField(
        "Require DPoP-bound tokens",
        default=False,
        help_text="Issue this app only tokens bound to a key by a DPoP proof (RFC 9449): a token request "
        "without a DPoP header is refused, and a stolen token is useless without the key.",
    )
    # Bumped by every update, so that two editors of one app see a conflict instead of a lost edit.
    version = models.PositiveIntegerField(default=1)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "OAuth app"
        indexes = [models.Index(fields=["account", "-created"], name="oauthapp_account_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"

    @property
    def sid(self) -> str:
        return self.client_id

    def allows_grant_type(self, *grant_types: str) -> bool:
        """Whether the app may use one of ``grant_types``: every app has client credentials."""
        return self.GRANT_CLIENT_CREDENTIALS in grant_types

    @property
    def uses_secret(self) -> bool:
        """Does the app authenticate with a client secret? A key or federated app has none."""
        return self.token_endpoint_auth_method in SECRET_METHODS


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


class UsedAssertion(models.Model):
    """A private_key_jwt assertion already used (RFC 7523 §3: single use), by a digest of its
    Client ID and ``jti``, kept until the assertion's ``exp``; written when Redis is not
    configured or fails (oauthapps/server/assertions.py). ``manage.py purge_expired`` removes
    rows past ``until``."""

    key = models.CharField(max_length=120, unique=True)
    until = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"Used assertion until {self.until:%Y-%m-%d %H:%M}"


class DPoPProofUse(models.Model):
    """A DPoP proof already accepted, remembered while its ``iat`` is in the accepted window
    so that it is accepted once (RFC 9449 §11.1). Redis holds them when ``REDIS_URL`` is
    set; this table does otherwise, or while Redis is away (oauthapps/server/dpop_replay.py).
    ``manage.py purge_expired`` removes rows past their ``until``."""

    key = models.CharField(max_length=64, unique=True)  # SHA-256 (hex) of the key's thumbprint and the jti
    until = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "DPoP proof use"

    def __str__(self) -> str:
        return f"DPoP proof used, remembered until {self.until:%Y-%m-%d %H:%M:%S}"


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
