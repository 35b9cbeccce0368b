"""Device cookies (OWASP): a browser that has signed in to an account is known again.

On each successful sign-in the browser gets a long-lived cookie, signed with Django's
signing (salted for this use), naming the user and carrying a random nonce. It is not the
session: it survives sign-out and session expiry. console/signin.py counts failed
sign-ins presented with a valid cookie for the account being signed into against that
cookie's nonce alone, so strangers who lock out the account's untrusted clients never
lock out a browser its owner has used. A cookie for another account, a forged, altered or
expired one counts as no cookie at all.
"""

import secrets

from django.conf import settings

SALT = "console.signin.device-cookie"
ISSUE_ATTRIBUTE = "sign_in_device_for"


def device_nonce(request, user) -> str | None:
    """The nonce of the request's device cookie when it is valid and names ``user``."""
    if request is None or user is None:
        return None
    value = request.get_signed_cookie(
        settings.SIGN_IN_DEVICE_COOKIE_NAME,
        default=None,
        salt=SALT,
        max_age=settings.SIGN_IN_DEVICE_COOKIE_AGE,
    )
    user_id, _, nonce = (value or "").partition(":")
    if not nonce or user_id != str(user.pk):
        return None
    return nonce


def device_cookie_grant(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: the door that signed the user in hands the browser a
    new device cookie (``device_cookie_issue``); a sign-in without a door sets nothing."""
    if request is not None:
        setattr(request, ISSUE_ATTRIBUTE, user)


def device_cookie_issue(request, response) -> None:
    """Give the browser a fresh device cookie if this request signed someone in."""
    user = getattr(request, ISSUE_ATTRIBUTE, None)
    if user is None:
        return
    response.set_signed_cookie(
        settings.SIGN_IN_DEVICE_COOKIE_NAME,
        f"{user.pk}:{secrets.token_urlsafe(24)}",
        salt=SALT,
        max_age=int(settings.SIGN_IN_DEVICE_COOKIE_AGE.total_seconds()),
        secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
