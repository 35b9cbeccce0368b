"""Recent authentication: destructive actions (rotating a secret, deleting an app) ask for
the password again when the session's last password check is older than REAUTH_MAX_AGE,
so that a borrowed or stolen session cannot destroy credentials without it.

The check is made on the server for every method of a guarded view (the no-JS POST too);
a refused request goes to the confirmation page, which returns to the action's page.
"""

from functools import partial, wraps
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

AUTHENTICATED_AT = "console.authenticated_at"
PASSWORD_FAILURES = "console.password_failures"
# Wrong passwords a session may send (re-authentication, password change) before it is
# signed out: someone holding only the session cookie cannot guess the password through it.
MAX_PASSWORD_FAILURES = 5


def auth_mark_recent(request) -> None:
    request.session[AUTHENTICATED_AT] = timezone.now().timestamp()
    request.session.pop(PASSWORD_FAILURES, None)


def auth_on_sign_in(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: signing in is a password check."""
    auth_mark_recent(request)


def auth_is_recent(request) -> bool:
    checked_at = request.session.get(AUTHENTICATED_AT)
    if checked_at is None:
        return False
    return timezone.now().timestamp() - checked_at < settings.REAUTH_MAX_AGE.total_seconds()


def password_failure_record(request) -> bool:
    """Count a wrong password sent by this session; True when the session must now end."""
    failures = request.session.get(PASSWORD_FAILURES, 0) + 1
    request.session[PASSWORD_FAILURES] = failures
    return failures >= MAX_PASSWORD_FAILURES


def reauth_url(next_path: str) -> str:
    return f"{reverse('console:reauth')}?{urlencode({'next': next_path})}"


def recent_auth_required(view=None, *, keep: tuple[str, ...] = ()):
    """Refuse the view without a recent password check: send the user to confirm it, then
    back to the view's page (for a POST, the same URL's GET: its confirmation page).

    ``keep`` names posted fields that are choices, not secrets (a grace period, a tick
    box): a refused POST carries them in that GET's query string, so the confirmation page
    comes back as the person left it. The GET only shows them; acting still takes a POST.
    """
    if view is None:
        return partial(recent_auth_required, keep=keep)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not auth_is_recent(request):
            return redirect(reauth_url(_page_to_return_to(request, keep)))
        return view(request, *args, **kwargs)

    return wrapped


def _page_to_return_to(request, keep: tuple[str, ...]) -> str:
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    choices = [(name, value) for name in keep for value in request.POST.getlist(name)]
    return f"{request.path}?{urlencode(choices)}" if choices else request.path
