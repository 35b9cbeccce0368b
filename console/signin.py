"""One sign-in policy for every door: the console's login page and Django admin's.

Both doors authenticate through ``console.backends.EmailBackend``, which calls
``sign_in_authenticate``. It counts attempts per client address, finds the user the way
every lookup does (``email__iexact``: the database's ``UPPER``, under which ``ſ`` is ``S``
and ``ı`` is ``I``), refuses while that user is locked out, checks the password with a
bounded number of Argon2 checks at once, and counts a failure against the *user found*:
every spelling that finds an account counts against that account's one lock-out.
"""

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from console.actors import client_ip
from console.models import SignInFailures, User
from console.signals import console_login_locked
from console.throttling import Limit, limit_exhausted, limit_hit

TOO_MANY_ATTEMPTS = "Too many sign-in attempts. Wait a few minutes, then try again."
BUSY = "The server is busy checking other sign-ins. Try again in a moment."


@dataclass(frozen=True)
class Refusal:
    """Why a sign-in was refused before or instead of a password check; the doors show it."""

    message: str
    retry_after: int
    status: int = 429


class SignInRefused(PermissionDenied):
    """Raised from the backend: Django's ``authenticate`` then stops trying other backends."""


def sign_in_authenticate(*, request, email: str, password: str, can_authenticate) -> User | None:
    """The user whose email and password these are, or None; raises ``SignInRefused``
    (and leaves the ``Refusal`` on ``request.sign_in_refusal``) when the attempt is refused."""
    address = client_ip(request) if request is not None else None
    if request is not None:
        verdict = limit_hit(_per_address(), address or "unknown")
        if not verdict.allowed:
            _refuse(request, Refusal(TOO_MANY_ATTEMPTS, verdict.retry_after))
    user = User.objects.filter(email__iexact=email).order_by("pk").first()
    if user is None:
        return _unknown_email_fails(request, email, password)
    locked_for = _locked_for(user)
    if locked_for:
        _refuse(request, Refusal(TOO_MANY_ATTEMPTS, locked_for))
    with password_check_slot(request):
        password_matches = user.check_password(password)
    if password_matches:
        if not can_authenticate(user):
            return None
        SignInFailures.objects.filter(user=user).delete()
        return user
    if sign_in_failure_record(user=user, ip_address=address):
        _refuse(request, Refusal(TOO_MANY_ATTEMPTS, _per_user().window_seconds))
    return None


def sign_in_failure_record(*, user: User, ip_address: str | None) -> bool:
    """Count one failed sign-in of ``user``; True when it starts a lock-out. The lock-out
    is announced (``console.login-locked``) once, by the failure that starts it: refused
    attempts are not counted, so they cannot write more audit rows."""
    limit, now = _per_user(), timezone.now()
    window = timedelta(seconds=limit.window_seconds)
    with transaction.atomic():
        row, _created = SignInFailures.objects.select_for_update().get_or_create(
            user=user, defaults={"window_started_at": now}
        )
        if now - row.window_started_at >= window:
            row.failures, row.window_started_at = 0, now
        row.failures += 1
        locks = row.failures > limit.max_requests
        if locks:
            # Counting starts again when the lock-out ends.
            row.locked_until = now + window
            row.failures, row.window_started_at = 0, row.locked_until
        row.save()
        if locks:
            console_login_locked.send(sender=SignInFailures, user=user, ip_address=ip_address)
    return locks


def _locked_for(user: User) -> int:
    """Seconds left of the user's lock-out; 0 when not locked."""
    locked_until = (
        SignInFailures.objects.filter(user=user, locked_until__gt=timezone.now())
        .values_list("locked_until", flat=True)
        .first()
    )
    if locked_until is None:
        return 0
    return max(1, int((locked_until - timezone.now()).total_seconds() + 0.999))


def _unknown_email_fails(request, email: str, password: str) -> None:
    """An address without an account locks like one that has one (the answers must not
    tell which emails exist), counted in a bounded cache: nothing real is at stake."""
    limit, subject = _per_user(), email.upper()
    if not limit_exhausted(limit, subject).allowed:
        _refuse(request, Refusal(TOO_MANY_ATTEMPTS, limit.window_seconds))
    with password_check_slot(request):
        User().set_password(password)  # the cost of a real check: timing tells nothing either
    verdict = limit_hit(limit, subject)
    if not verdict.allowed:
        _refuse(request, Refusal(TOO_MANY_ATTEMPTS, verdict.retry_after))


def _refuse(request, refusal: Refusal):
    if request is not None:
        request.sign_in_refusal = refusal
    raise SignInRefused(refusal.message)


def _per_address() -> Limit:
    return Limit.parse("login-ip", settings.THROTTLE_LOGIN_PER_IP)


def _per_user() -> Limit:
    return Limit.parse("login-user", settings.THROTTLE_LOGIN_FAILURES_PER_USER)


_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


@contextmanager
def password_check_slot(request=None):
    """Run a password hash in one of ``PASSWORD_CHECKS_AT_ONCE`` slots of this process.

    Argon2 takes ~100 MiB per check: under runserver's unbounded threads a burst of
    failed sign-ins reached a gigabyte. A check waits up to ``PASSWORD_CHECK_WAIT`` for a
    slot, then the attempt is refused with "try again" (503) instead of queueing forever.
    """
    size = settings.PASSWORD_CHECKS_AT_ONCE
    with _slots_lock:
        slots = _slots.setdefault(size, threading.BoundedSemaphore(size))
    if not slots.acquire(timeout=settings.PASSWORD_CHECK_WAIT.total_seconds()):
        _refuse(request, Refusal(BUSY, retry_after=1, status=503))
    try:
        yield
    finally:
        slots.release()
