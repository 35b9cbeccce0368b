"""The PostgreSQL backend's health check: no round trip on a quiet connection, Django's full
check when the server has said something (here: it terminated the backend)."""

from unittest import mock

import psycopg
import pytest
from django.db import connection, connections

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")


@pytest.fixture
def fresh_connection(transactional_db):
    """The connection as a new request finds it: open, idle (no test transaction around
    it), not yet checked."""
    wrapper = connections["default"]
    wrapper.ensure_connection()
    wrapper.health_check_done = False
    with mock.patch.object(wrapper, "health_check_enabled", True):
        yield wrapper


def test_a_quiet_connection_is_kept_without_a_query(fresh_connection):
    with mock.patch.object(fresh_connection, "is_usable", side_effect=AssertionError("round trip")):
        fresh_connection.close_if_health_check_failed()
    assert fresh_connection.connection is not None and fresh_connection.health_check_done


def test_a_connection_the_server_ended_is_closed_before_use(fresh_connection, settings):
    pid = fresh_connection.connection.info.backend_pid
    database = settings.DATABASES["default"]
    with psycopg.connect(
        dbname=database["NAME"],
        user=database["USER"],
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        admin.execute("SELECT pg_sleep(0.2)")  # the goodbye reaches the socket
    assert not fresh_connection._quiet()  # the socket holds the server's goodbye
    fresh_connection.close_if_health_check_failed()
    assert fresh_connection.connection is None  # closed; the next query reconnects
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
