"""One sign-in policy for every door: the console's login page and Django admin's.

Both doors authenticate through ``console.backends.EmailBackend``, which calls
``sign_in_authenticate``. It finds the user the way every lookup does (``email__iexact``:
the database's ``UPPER``, under which ``ſ`` is ``S`` and ``ı`` is ``I``), then decides
which *subject* the attempt counts against (OWASP's device cookies, console/devices.py):

- a browser presenting a valid device cookie for that user: that cookie alone;
- any other client: the untrusted clients of that user, or, when no account has the
  email, the untrusted clients of that email.

A subject locked out is refused before any password check; otherwise the password is
checked (or, for an unknown email, a password hashed: the same cost) in a bounded number
of Argon2 checks at once, and a failure counts against the subject. The three kinds of
subject share one table and one code path, so a known and an unknown email get the same
answers: status, body, ``Retry-After`` and its countdown, and the number of hashes.
Clients without a device cookie are also counted per address.
"""

import math
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from console.actors import client_ip
from console.devices import device_nonce
from console.models import SignInLock, User
from console.signals import console_login_locked
from console.templatetags.console_ui import duration_label
from console.throttling import Limit, limit_hit

BUSY = "The server is busy checking other sign-ins. Try again in a moment."
EMAIL_SUBJECT_SALT = "console.signin.email-subject"


def too_many_attempts(seconds: int, now: datetime) -> str:
    """The refusal's words: how long to wait, and until when (in UTC, to the minute)."""
    minutes = max(1, math.ceil(seconds / 60))
    wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
    ends = now.astimezone(UTC) + timedelta(seconds=seconds)
    if ends.second or ends.microsecond:
        ends = ends.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return f"Too many sign-in attempts. Try again in {wait}, at {ends:%H:%M} UTC."


def one_more_failure_locks() -> str:
    """Said with the failure after which one more locks sign-in."""
    window = timedelta(seconds=_per_subject().window_seconds)
    return f"One more failed attempt locks sign-in for {duration_label(window)}."


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
    (and leaves the ``Refusal`` on ``request.sign_in_refusal``) when the attempt is refused.
    A failure after which one more locks leaves ``request.sign_in_warning``."""
    user = User.objects.filter(email__iexact=email).order_by("pk").first()
    device = device_nonce(request, user)
    address = client_ip(request) if request is not None else None
    if request is not None and device is None:
        verdict = limit_hit(_per_address(), address or "unknown")
        if not verdict.allowed:
            _refuse(request, verdict.retry_after)
    subject = sign_in_subject(user=user, email=email, device=device)
    locked_for = _locked_for(subject)
    if locked_for:
        _refuse(request, locked_for)
    with password_check_slot(request):
        if user is None:
            User().set_password(password)  # the cost of a real check: timing tells nothing
            password_matches = False
        else:
            password_matches = user.check_password(password)
    if password_matches:
        if not can_authenticate(user):
            return None
        SignInLock.objects.filter(subject=subject).delete()
        return user
    announced = user if device is None else None  # a device's lock-out is its own affair
    failures_left = sign_in_failure_record(subject=subject, user=announced, ip_address=address)
    if failures_left < 0:
        _refuse(request, _per_subject().window_seconds)
    if failures_left == 0 and request is not None:
        request.sign_in_warning = one_more_failure_locks()
    return None


def sign_in_subject(*, user: User | None, email: str, device: str | None) -> str:
    """What a failed attempt counts against: a device cookie, an account's untrusted
    clients, or an unknown email's untrusted clients (by a keyed digest of its upper case)."""
    if device is not None:
        return f"device:{device}"
    if user is not None:
        return f"user:{user.pk}"
    folded = email.upper().encode("utf-8", "surrogatepass")
    digest = salted_hmac(EMAIL_SUBJECT_SALT, folded, algorithm="sha256").hexdigest()
    return f"email:{digest}"


def sign_in_failure_record(*, subject: str, user: User | None = None, ip_address: str | None = None) -> int:
    """Count one failed sign-in against ``subject``: how many more it may fail before it
    is locked out (0: the next failure locks), or -1 when this failure locks it. Refused
    attempts are not counted, so a lock-out ends when its window does, however hammered.

    A lock-out of ``user``'s untrusted clients is announced (``console.login-locked``) once,
    by the failure that starts it, in the same transaction."""
    limit, now = _per_subject(), timezone.now()
    window = timedelta(seconds=limit.window_seconds)
    # Rows whose window (and lock-out) ended a window ago say nothing any more.
    SignInLock.objects.filter(window_started_at__lt=now - window).delete()
    with transaction.atomic():
        row, _created = SignInLock.objects.select_for_update().get_or_create(
            subject=subject, defaults={"window_started_at": now}
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
        if locks and user is not None:
            console_login_locked.send(sender=SignInLock, user=user, ip_address=ip_address)
    return -1 if locks else limit.max_requests - row.failures


def _locked_for(subject: str) -> int:
    """Seconds left of the subject's lock-out; 0 when not locked."""
    now = timezone.now()
    locked_until = (
        SignInLock.objects.filter(subject=subject, locked_until__gt=now)
        .values_list("locked_until", flat=True)
        .first()
    )
    if locked_until is None:
        return 0
    return max(1, math.ceil((locked_until - now).total_seconds()))


def _refuse(request, retry_after: int, *, message: str | None = None, status: int = 429):
    refusal = Refusal(message or too_many_attempts(retry_after, timezone.now()), retry_after, status)
    if request is not None:
        request.sign_in_refusal = refusal
    raise SignInRefused(refusal.message)


def _per_address() -> Limit:
    return Limit.parse("login-ip", settings.THROTTLE_LOGIN_PER_IP)


def _per_subject() -> Limit:
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
        _refuse(request, 1, message=BUSY, status=503)
    try:
        yield
    finally:
        slots.release()
