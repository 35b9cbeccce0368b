"""Every use of Django's undocumented internals, in one place, for the versions in CHECKED_DJANGO.

Three measured wins need Django internals that its documentation does not promise:

- ``QuerySet._raw_delete``: one ``DELETE ... WHERE`` for a queryset, the fast path Django's
  own deletion collector takes when nothing cascades. ``QuerySet.delete()`` first loads
  every row as a model instance whenever another table points at the model: about a
  second per 5,000-row batch of expired tokens instead of 42-52 ms (docs/performance.md,
  "Cleaning up").
- ``health_check_done`` and ``close_if_health_check_failed`` on a database wrapper: the
  connection health check (``CONN_HEALTH_CHECKS``) that our PostgreSQL backend answers
  without a ``SELECT 1`` round trip when the socket is quiet (console/postgresql/base.py).
- ``BaseHandler.load_middleware`` reading its list from ``settings.MIDDLEWARE``: the lean
  stack of the hot paths (console/lean_stack.py) is a second handler built from another
  list, which Django offers no argument for.

Django may rename or change any of these in a release without notice, so they are reached
only through the functions below, and tests/console/test_private_apis.py fails when the
installed Django is outside ``CHECKED_DJANGO`` or these attributes no longer behave as
relied on here: check them again, then widen the range.
"""

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet

# The Django releases whose internals below were read and tested: [low, high).
CHECKED_DJANGO = ((5, 2), (5, 3))


def raw_delete(queryset: QuerySet) -> int:
    """``DELETE`` the queryset's rows in one statement: no signals, no cascades, no
    ``SET_NULL`` handling (the caller has done what the relations need). Returns the count."""
    return queryset._raw_delete(queryset.db)


def health_check_pending(connection: BaseDatabaseWrapper) -> bool:
    """True until the connection has been checked in the current request."""
    return not connection.health_check_done


def mark_health_checked(connection: BaseDatabaseWrapper) -> None:
    """Record that the connection counts as checked for the current request, as Django's
    ``close_if_health_check_failed`` does after its ``SELECT 1``."""
    connection.health_check_done = True


def load_middleware_from(handler, middleware: list[str], *, is_async: bool = False) -> None:
    """Build ``handler``'s middleware chain from ``middleware`` instead of
    ``settings.MIDDLEWARE``, with everything Django's loader does (``process_exception``
    hooks, exception-to-response wrappers). Call it before the handler serves a request."""
    from django.conf import settings
    from django.core.handlers.base import BaseHandler

    full = settings.MIDDLEWARE
    settings.MIDDLEWARE = middleware
    try:
        BaseHandler.load_middleware(handler, is_async)
    finally:
        settings.MIDDLEWARE = full
