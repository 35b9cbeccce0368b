"""Writes of tenancy data: accounts, owners, memberships, and the first-start bootstrap."""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from console.models import Account, Membership, Role, User


@dataclass(frozen=True)
class Bootstrap:
    account: Account
    owner: User
    generated_password: str | None
    created: bool


def user_get_or_create(*, email: str, password: str | None) -> tuple[User, str | None]:
    """Return the user with ``email``, creating it (with ``password`` or a generated one)."""
    email = User.objects.normalize_email(email.strip())
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        return existing, None
    generated = None
    if not password:
        generated = password = secrets.token_urlsafe(18)
    user = User(username=email, email=email)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user, generated


@transaction.atomic
def account_create(
    *, name: str, owner_email: str, owner_password: str | None = None
) -> tuple[Account, str | None]:
    """Create an account and make ``owner_email`` its owner. Returns any generated password."""
    account = Account(name=name.strip())
    account.full_clean()
    account.save()
    owner, generated = user_get_or_create(email=owner_email, password=owner_password)
    membership_set(user=owner, account=account, role=Role.OWNER)
    return account, generated


def membership_set(*, user: User, account: Account, role: str) -> Membership:
    membership, _ = Membership.objects.update_or_create(user=user, account=account, defaults={"role": role})
    return membership


@transaction.atomic
def bootstrap_default_account() -> Bootstrap | None:
    """First start: the default account and its owner (staff and superuser, for Django admin).

    Does nothing when an account already exists, so it is safe on every start.
    """
    if Account.objects.exists():
        return None
    email = settings.ADMIN_EMAIL or "admin@example.com"
    account, generated = account_create(
        name=settings.BOOTSTRAP_ACCOUNT_NAME,
        owner_email=email,
        owner_password=settings.ADMIN_PASSWORD or None,
    )
    owner = User.objects.get(email__iexact=email)
    owner.is_staff = owner.is_superuser = True
    owner.save(update_fields=["is_staff", "is_superuser"])
    return Bootstrap(account=account, owner=owner, generated_password=generated, created=True)
