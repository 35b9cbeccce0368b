"""Carry a plaintext secret across one redirect to the page that shows it, never at rest.

The session is a database row, so the secret does not go there in the clear: the session
gets it encrypted under a fresh random key, and that key travels only in a short-lived
HttpOnly cookie. Neither half alone reveals the secret; showing the page drops both, and an
unviewed secret becomes undecryptable when the cookie expires.
"""

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

SESSION_PREFIX = "oauthapps.reveal"
COOKIE_PREFIX = "reveal_"
COOKIE_MAX_AGE_SECONDS = 300
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


def reveal_pop(request, *, kind: str, sid: str) -> str | None:
    """The secret, once; None on any later call (or when either half is missing)."""
    session_key, cookie = _names(kind, sid)
    sealed = request.session.pop(session_key, None)
    key = request.COOKIES.get(cookie)
    if not sealed or not key:
        return None
    try:
        return Fernet(key.encode()).decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def reveal_forget(response, *, kind: str, sid: str, path: str = COOKIE_PATH):
    response.delete_cookie(_names(kind, sid)[1], path=path, samesite="Strict")
    return response
