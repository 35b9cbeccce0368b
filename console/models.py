"""Tenancy: console users, accounts (``AC…``) and memberships with roles."""

from functools import partial

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from console.sids import new_sid


class User(AbstractUser):
    """A console user. Signs in with an email address; carries a ``US…`` SID for audit."""

    sid = models.CharField(max_length=34, unique=True, editable=False, default=partial(new_sid, "US"))
    email = models.EmailField("email address", unique=True)

    objects = UserManager()

    def __str__(self) -> str:
        return self.email or self.username


class Account(models.Model):
    """A tenant. Every OAuth app and audit event belongs to exactly one account."""

    sid = models.CharField(max_length=34, unique=True, editable=False, default=partial(new_sid, "AC"))
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.sid})"


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMINISTRATOR = "administrator", "Administrator"
    # Manages OAuth apps as an Administrator does; neither manages the account's people
    # (only owners do: console/people.py).
    DEVELOPER = "developer", "Developer"
    READ_ONLY = "read_only", "Read-only"


class Membership(models.Model):
    """A user's role in one account. Read-only members see everything and change nothing."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.ADMINISTRATOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "account"], name="one_membership_per_account")]
        ordering = ["account__name", "id"]

    def __str__(self) -> str:
        return f"{self.user} in {self.account.sid} as {self.get_role_display()}"

    @property
    def can_manage(self) -> bool:
        return self.role in {Role.OWNER, Role.ADMINISTRATOR, Role.DEVELOPER}


class SignInLock(models.Model):
    """The failed sign-ins of one sign-in *subject* in its current window, and the lock-out
    they caused (console/signin.py).

    A subject is the untrusted clients of one account, the untrusted clients of one email
    that has no account (by a keyed digest: no email in clear), or one device cookie. The
    three live in this one table and go through one code path, so that the answers to a
    known and an unknown email cannot differ, in any process. Kept in the database, not in
    a cache: no other traffic can evict it. Rows older than two windows are deleted as
    failures are counted.
    """

    subject = models.CharField(max_length=80, primary_key=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField(db_index=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.failures} failed sign-ins of {self.subject.partition(':')[0]} subject"
