"""Console sessions end after SESSION_IDLE_TIMEOUT without a request, and SESSION_MAX_AGE
after sign-in however busy they are.

Django's session expiry is one sliding age per cookie, and it cannot say why a session
ended; this keeps both clocks in the session itself, checks them on every request that
carries a signed-in session (API calls carry none), and signs out with a message. The
session row expires with SESSION_COOKIE_AGE, so `clearsessions` removes what is left.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils import timezone

from console.templatetags.console_ui import duration_label

SIGNED_IN_AT = "console.signed_in_at"
LAST_SEEN_AT = "console.last_seen_at"
# The idle clock moves at most this often, so that a busy session does not rewrite its row
# on every request; an idle timeout is then honoured to within this much (or a tenth of it).
LAST_SEEN_RESOLUTION = timedelta(seconds=60)


def _now() -> float:
    return timezone.now().timestamp()


def session_start(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: both clocks start at sign-in."""
    now = _now()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now


def session_end_reason(session, now: float) -> str | None:
    """Why this signed-in session may no longer be used, or None while it may."""
    signed_in_at, last_seen_at = session.get(SIGNED_IN_AT), session.get(LAST_SEEN_AT)
    if signed_in_at is None or last_seen_at is None:
        # A session from before these limits existed: its age is unknown, so it ends.
        return "Your session has ended. Sign in again."
    if now - signed_in_at >= settings.SESSION_MAX_AGE.total_seconds():
        return (
            f"For your security, sessions end {duration_label(settings.SESSION_MAX_AGE)} "
            "after sign-in. Sign in again."
        )
    if now - last_seen_at >= settings.SESSION_IDLE_TIMEOUT.total_seconds():
        return (
            f"You were signed out after {duration_label(settings.SESSION_IDLE_TIMEOUT)} "
            "without activity. Sign in again."
        )
    return None


def has_session_cookie(request) -> bool:
    """Whether the request could belong to a signed-in user. Without the session cookie
    nobody is signed in, and asking ``request.user`` would only load an empty session and
    mark the answer ``Vary: Cookie``: the token, introspection, revocation and gateway
    check requests of machines carry no cookie, and skip the console's middleware work."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES


class SessionLimitsMiddleware:
    """After AuthenticationMiddleware: signs out a session past either limit (the request
    then goes on as anonymous, so a page that needs a session sends it to sign in and back,
    and a form it sent does nothing), else notes the request as activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_session_cookie(request) and request.user.is_authenticated:
            now = _now()
            reason = session_end_reason(request.session, now)
            if reason is not None:
                logout(request)
                messages.info(request, reason)
            else:
                resolution = min(LAST_SEEN_RESOLUTION, settings.SESSION_IDLE_TIMEOUT / 10).total_seconds()
                if now - request.session[LAST_SEEN_AT] >= resolution:
                    request.session[LAST_SEEN_AT] = now
        return self.get_response(request)
