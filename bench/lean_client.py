"""Django's test client on the lean middleware stack, as gunicorn serves the hot paths.

The test client builds its handler from ``MIDDLEWARE``; production sends ``LEAN_PATHS``
through ``LEAN_MIDDLEWARE`` (config/wsgi.py). In-process figures of those paths are taken
on the stack production runs.
"""

from django.test import Client
from django.test.client import ClientHandler

from console.lean_stack import LeanMiddlewareHandler


class LeanClientHandler(ClientHandler, LeanMiddlewareHandler):
    """The test client's handler (request and response plumbing) with the lean chain."""


def lean_client(**defaults) -> Client:
    client = Client(**defaults)
    client.handler = LeanClientHandler(enforce_csrf_checks=False)
    return client
