"""Reads of tenancy data."""

from django.db.models import QuerySet

from console.models import Account, Membership, User


def membership_list(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("account").order_by("account__name", "id")


def membership_current(*, user: User, account_sid: str | None) -> Membership | None:
    """The membership for ``account_sid`` if the user has one, else the user's first."""
    memberships = membership_list(user=user)
    if account_sid:
        chosen = memberships.filter(account__sid=account_sid).first()
        if chosen is not None:
            return chosen
    return memberships.first()


def account_default() -> Account | None:
    return Account.objects.order_by("id").first()
