"""A database outage answers 503 with ``Retry-After`` at once, never a 500 or a hang.

``OperationalError`` and ``InterfaceError`` are what Django raises when PostgreSQL is
down, restarting or has dropped a connection. Clients should retry such a request, so they
get 503 (RFC 9110 §15.6.4) with ``Retry-After``, in Twilio's error body on API paths (plus
RFC 6749's ``error`` fields on the paths an app registers with
``register_oauth_error_paths``: oauthapps registers its token endpoints) and a small page
on console paths.

Exceptions raised by a view reach ``process_exception``. Exceptions raised by the
middleware below this one (sessions, the current account) have already been turned into
a 500 response by Django's per-middleware exception wrapper when they reach us, so a
``got_request_exception`` receiver marks the request and the 500 is replaced here.

A failed connection is discarded before the response leaves, so the next request in this
worker reconnects (Django's ``CONN_HEALTH_CHECKS`` then checks it before first use).
"""

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connections
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse

from console.errors import twilio_error

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5
MESSAGE = "The database is unavailable; retry shortly."
API_PREFIXES = ("/v1/", "/v2/", "/.well-known/")
# Filled by the apps' ready(): the console does not know which paths speak RFC 6749.
_oauth_error_paths: set[str] = set()
CONSOLE_PAGE = (
    "<!doctype html><html lang=en><head><meta charset=utf-8>"
    "<title>Temporarily unavailable</title></head><body>"
    "<h1>Temporarily unavailable</h1><p>The database is unavailable; retry shortly.</p>"
    "</body></html>"
)
_MARK = "_database_unavailable"


class DatabaseUnavailableMiddleware:
    """Belongs right after ``RequestLogMiddleware``, so every 503 is still logged."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, _MARK, False):
            return database_unavailable_response(request)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            _note(request, exception)
            return database_unavailable_response(request)
        return None


def register_oauth_error_paths(*paths: str) -> None:
    """Paths whose clients read RFC 6749 §5.2 ``error`` fields, also on a database outage."""
    _oauth_error_paths.update(path.rstrip("/") for path in paths)


@receiver(got_request_exception, dispatch_uid="console.db_unavailable")
def _mark_database_failure(sender, request=None, **kwargs) -> None:
    """Called inside Django's ``except`` block, so ``sys.exc_info()`` is the failure."""
    exception = sys.exc_info()[1]
    if request is not None and isinstance(exception, DATABASE_ERRORS):
        _note(request, exception)


def _note(request, exception: Exception) -> None:
    setattr(request, _MARK, True)
    discard_broken_connections()
    # The class name only: a driver message can carry the host, port and user of the DSN.
    logger.warning("Database unavailable (%s): answering 503", type(exception).__name__)


def discard_broken_connections() -> None:
    """Close this thread's connections that errored and no longer answer, so the next
    request opens a fresh one instead of failing on a dead socket.

    Django does the same when the request finishes (``close_old_connections``); doing it
    here makes it independent of the server calling ``close()`` on the response. A
    connection inside ``atomic()`` is left to the block that owns it.
    """
    for connection in connections.all(initialized_only=True):
        if connection.errors_occurred and not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


def database_unavailable_response(request) -> HttpResponse:
    path = request.path
    if path.startswith(API_PREFIXES):
        body = twilio_error(503, MESSAGE)
        if path.rstrip("/") in _oauth_error_paths:
            # RFC 6749 §5.2 readers look for ``error``; the name is the one §4.1.2.1 uses.
            body = {"error": "temporarily_unavailable", "error_description": MESSAGE, **body}
        response = JsonResponse(body, status=503)
    else:
        response = HttpResponse(CONSOLE_PAGE, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
