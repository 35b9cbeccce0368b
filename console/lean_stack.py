"""A lighter middleware stack for the machine-facing hot paths (issue 14).

Token issuance, introspection, revocation and the gateway check are called by machines
that carry no console cookie: sessions, CSRF (their views are exempt anyway),
authentication, messages, the session limits, the console's current account and WhiteNoise
do nothing for them but still run on every request. ``lean_paths_application`` sends a
request whose path is exactly one of ``settings.LEAN_PATHS`` to a second Django handler
built from ``settings.LEAN_MIDDLEWARE``, and every other request to the full ``MIDDLEWARE``
stack. Both handlers resolve the same URLconf, so the views are the same Django and DRF
views either way.

The match is exact on ``PATH_INFO`` (what Django resolves URLs against): a trailing slash,
a doubled or percent-encoded slash, a dot segment or another case is not a lean path, and
goes through the full stack like any other request.
"""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

from console.private_apis import load_middleware_from


class LeanMiddlewareHandler(WSGIHandler):
    """Django's WSGI handler, with ``LEAN_MIDDLEWARE`` in place of ``MIDDLEWARE``.

    Django builds a handler's chain from ``settings.MIDDLEWARE`` and offers no argument
    for another list, so it is built through console/private_apis.py: once, when the WSGI
    module is imported, before any request is served. tests/operations/test_lean_stack.py
    checks the result by its behaviour.
    """

    def load_middleware(self, is_async: bool = False) -> None:
        load_middleware_from(self, settings.LEAN_MIDDLEWARE, is_async=is_async)


class LeanPathRouter:
    """A WSGI application: the lean paths to ``lean``, everything else to ``full``."""

    def __init__(self, full: Callable, lean: Callable, paths: Iterable[str]) -> None:
        self.full = full
        self.lean = lean
        self.paths = frozenset(paths)

    def __call__(self, environ, start_response):
        handler = self.lean if environ.get("PATH_INFO") in self.paths else self.full
        return handler(environ, start_response)


def lean_paths_application(application: Callable) -> Callable:
    """``application`` (Django's, full stack) with ``LEAN_PATHS`` sent through the lean
    stack; ``application`` itself when there are none (``LEAN_STACK=false``)."""
    if not settings.LEAN_PATHS:
        return application
    return LeanPathRouter(application, LeanMiddlewareHandler(), settings.LEAN_PATHS)
