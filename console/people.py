"""The account's people, as its owners manage them in the console: add a person by email
with a role, change a role, remove someone. An account always keeps an owner.

Each change is one transaction that locks the account row (so two owners demoting each
other at once cannot leave none) and announces itself with ``membership_changed``, whose
audit receiver writes the event in the same transaction.
"""

import secrets
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from console.actors import Actor
from console.models import Account, Membership, Role, User
from console.signals import MEMBER_ADDED, MEMBER_REMOVED, MEMBER_ROLE_CHANGED, membership_changed

LAST_OWNER = "An account keeps at least one owner: make someone else an owner first."


@dataclass(frozen=True)
class PeopleChange:
    """What ``membership_changed`` carries: who changed whose role in which account."""

    event_type: str
    account: Account
    user: User
    actor: Actor
    previous_role: str | None
    role: str | None


@dataclass(frozen=True)
class PersonAdded:
    membership: Membership
    # A new sign-in's first password, generated here and shown once to the owner who added
    # the person; None when the email already had a sign-in (it keeps its password).
    first_password: str | None


def _announce(event_type: str, membership: Membership, actor: Actor, previous: str | None, role: str | None):
    change = PeopleChange(event_type, membership.account, membership.user, actor, previous, role)
    membership_changed.send(sender=Membership, change=change)


def _lock_account(account: Account) -> Account:
    return Account.objects.select_for_update().get(pk=account.pk)


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": "Choose one of the roles offered."})


@transaction.atomic
def person_add(*, account: Account, actor: Actor, email: str, role: str) -> PersonAdded:
    """Give ``email`` a ``role`` in the account, creating its sign-in when it has none."""
    _check_role(role)
    _lock_account(account)
    email = User.objects.normalize_email(email.strip())
    user = User.objects.filter(email__iexact=email).first()
    first_password = None
    if user is None:
        first_password = secrets.token_urlsafe(18)
        user = User(username=email, email=email)
        validate_password(first_password, user)
        user.set_password(first_password)
        user.full_clean()
        user.save()
    elif Membership.objects.filter(account=account, user=user).exists():
        raise ValidationError({"email": f"{user.email} is already in this account."})
    membership = Membership.objects.create(account=account, user=user, role=role)
    _announce(MEMBER_ADDED, membership, actor, None, role)
    return PersonAdded(membership=membership, first_password=first_password)


def _other_owners(membership: Membership) -> bool:
    owners = Membership.objects.filter(account=membership.account, role=Role.OWNER)
    return owners.exclude(pk=membership.pk).exists()


@transaction.atomic
def person_role_change(*, membership: Membership, actor: Actor, role: str) -> Membership:
    """Change a person's role; the last owner stays an owner."""
    _check_role(role)
    _lock_account(membership.account)
    membership = Membership.objects.select_related("account", "user").get(pk=membership.pk)
    previous = membership.role
    if role == previous:
        return membership
    if previous == Role.OWNER and not _other_owners(membership):
        raise ValidationError({"role": LAST_OWNER})
    membership.role = role
    membership.save(update_fields=["role"])
    _announce(MEMBER_ROLE_CHANGED, membership, actor, previous, role)
    return membership


@transaction.atomic
def person_remove(*, membership: Membership, actor: Actor) -> None:
    """Take a person out of the account (their sign-in stays, for their other accounts);
    never the last owner."""
    _lock_account(membership.account)
    membership = Membership.objects.select_related("account", "user").get(pk=membership.pk)
    if membership.role == Role.OWNER and not _other_owners(membership):
        raise ValidationError({"role": LAST_OWNER})
    _announce(MEMBER_REMOVED, membership, actor, membership.role, None)
    membership.delete()
