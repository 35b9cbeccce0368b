"""A cache holds values, never connections: a request thread's connection must be freed
when the thread ends (an lru_cache keyed by the connection kept every one of them open)."""

import gc
import threading
import weakref

import pytest
from django.db import connections

from oauthapps.server.secret_check import client_authenticate

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_finished_threads_connection_is_not_kept_alive(issued):
    seen = {}

    def request_thread():
        seen["app"] = client_authenticate(client_id=issued.app.client_id, secret=issued.secret)
        seen["connection"] = weakref.ref(connections["default"])
        connections["default"].close()

    thread = threading.Thread(target=request_thread)
    thread.start()
    thread.join(timeout=30)
    assert seen["app"] is not None and seen["app"].pk == issued.app.pk
    del thread
    gc.collect()
    assert seen["connection"]() is None
