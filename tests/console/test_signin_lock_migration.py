"""The migration to SignInLock carries the lock-outs in force over: none is lifted by a deploy."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE, AFTER = [("console", "0002_sign_in_failures")], [("console", "0003_signin_lock")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_a_lock_out_in_force_stays_in_force():
    apps = migrate(BEFORE)
    try:
        User = apps.get_model("console", "User")
        user = User.objects.create(
            email="locked@example.test", username="locked@example.test", sid="US" + "0" * 32
        )
        locked_until = timezone.now() + timedelta(minutes=10)
        apps.get_model("console", "SignInFailures").objects.create(
            user=user, failures=0, window_started_at=locked_until, locked_until=locked_until
        )
        apps = migrate(AFTER)
        row = apps.get_model("console", "SignInLock").objects.get()
        assert (row.subject, row.locked_until, row.failures) == (f"user:{user.pk}", locked_until, 0)
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
