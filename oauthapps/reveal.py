"""Carry a plaintext secret to the page that shows it, never at rest in the clear.

The session is a database row, so the secret does not go there in the clear: the session
gets it encrypted under a fresh random key, and that key travels only in a short-lived
HttpOnly cookie. Neither half alone reveals the secret.

The console's page may open it again (a reload, the Back button) until the person
acknowledges it ("Got it!", ``reveal_discard``), in the same session only and for
``REVEAL_MAX_AGE_SECONDS`` at most: the cookie expires then, and so does the sealed copy
(Fernet's own timestamp, checked here, so a cookie replayed later opens nothing). The
admin's result page opens its batch once (``reveal_pop``).
"""

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.utils import timezone

SESSION_PREFIX = "oauthapps.reveal"
COOKIE_PREFIX = "reveal_"
# "A few minutes": long enough to recover from a reload, short enough that an unattended
# screen does not keep the secret retrievable.
REVEAL_MAX_AGE_SECONDS = 300
COOKIE_MAX_AGE_SECONDS = REVEAL_MAX_AGE_SECONDS
COOKIE_PATH = "/console/"


def _names(kind: str, sid: str) -> tuple[str, str]:
    return f"{SESSION_PREFIX}:{kind}:{sid}", f"{COOKIE_PREFIX}{kind}_{sid}"


def reveal_keep(request, response, *, kind: str, sid: str, secret: str, path: str = COOKIE_PATH):
    """Seal ``secret`` for the page under ``path`` that ``response`` redirects to."""
    session_key, cookie = _names(kind, sid)
    key = Fernet.generate_key()
    request.session[session_key] = Fernet(key).encrypt(secret.encode()).decode()
    response.set_cookie(
        cookie,
        key.decode(),
        max_age=COOKIE_MAX_AGE_SECONDS,
        path=path,
        httponly=True,
        samesite="Strict",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def reveal_open(request, *, kind: str, sid: str) -> str | None:
    """The secret while both halves are here and younger than REVEAL_MAX_AGE_SECONDS; None
    otherwise (and a stale sealed copy is dropped from the session)."""
    session_key, cookie = _names(kind, sid)
    sealed = request.session.get(session_key)
    key = request.COOKIES.get(cookie)
    if not sealed:
        return None
    if key:
        try:
            now = int(timezone.now().timestamp())
            opened = Fernet(key.encode()).decrypt_at_time(sealed.encode(), REVEAL_MAX_AGE_SECONDS, now)
            return opened.decode()
        except (InvalidToken, ValueError):
            pass
    request.session.pop(session_key, None)
    return None


def reveal_pop(request, *, kind: str, sid: str) -> str | None:
    """The secret, once; None on any later call (or when either half is missing)."""
    secret = reveal_open(request, kind=kind, sid=sid)
    request.session.pop(_names(kind, sid)[0], None)
    return secret


def reveal_forget(response, *, kind: str, sid: str, path: str = COOKIE_PATH):
    response.delete_cookie(_names(kind, sid)[1], path=path, samesite="Strict")
    return response


def reveal_discard(request, response, *, kind: str, sid: str, path: str = COOKIE_PATH):
    """Drop both halves: the secret was acknowledged and can never be opened again."""
    request.session.pop(_names(kind, sid)[0], None)
    return reveal_forget(response, kind=kind, sid=sid, path=path)
