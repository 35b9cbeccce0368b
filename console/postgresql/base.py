"""Django's PostgreSQL backend with a health check that costs no round trip when it need not.

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` before the first query of every
request that reuses a connection: on the token path that was one round trip in three, and
a third of a gateway check's time (docs/performance.md). A server that goes away (restart,
``pg_terminate_backend``, idle timeout) says so on the socket before closing it, so an idle
connection whose socket has nothing to read is as good as ``SELECT 1`` would show; only a
connection with something unread, or not idle, gets Django's full check.
"""

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus

from console.private_apis import health_check_pending, mark_health_checked


class DatabaseWrapper(base.DatabaseWrapper):
    # Overrides an undocumented hook of Django's backend; console/private_apis.py pins it.
    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and health_check_pending(self)
            and not self.pool
            and self._quiet()
        ):
            mark_health_checked(self)
            return
        super().close_if_health_check_failed()

    def _quiet(self) -> bool:
        """Idle, and the server has sent nothing since its last reply."""
        connection = self.connection
        if connection.closed or connection.broken:
            return False
        if connection.info.transaction_status != TransactionStatus.IDLE:
            return False
        try:
            poller = select.poll()
            poller.register(connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
            return not poller.poll(0)
        except (OSError, ValueError):
            return False
