"""Template context for the layout: the current account, role and account switcher."""

from console.selectors import membership_list


def tenancy(request) -> dict:
    membership = getattr(request, "membership", None)
    if membership is None or not request.user.is_authenticated:
        return {}
    return {
        "current_membership": membership,
        "current_account": membership.account,
        "can_manage": membership.can_manage,
        "memberships": lambda: list(membership_list(user=request.user)),
    }
