"""View decorators for the console: a current membership to read, a managing role to write."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render


def membership_required(view):
    """Signed in and a member of some account; ``request.membership`` is then set."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.membership is None:
            return render(request, "console/no_account.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


def manager_required(view):
    """As membership_required, and the role may change things: read-only members get 403."""

    @membership_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.membership.can_manage:
            raise PermissionDenied("Your role in this account is read-only.")
        return view(request, *args, **kwargs)

    return wrapped
