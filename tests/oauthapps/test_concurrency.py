"""Concurrent changes to one app on PostgreSQL: row locks keep the end state consistent."""

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from audit.models import AuditEvent
from oauthapps import services
from oauthapps.models import ClientSecret, OAuthApp
from oauthapps.server.secret_check import client_authenticate
from tests.factories import web_actor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite ignores select_for_update); set DATABASE_URL")


def run_together(*actions):
    """Start every action at once in its own thread (own DB connection); collect outcomes."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def runner(index, action):
        try:
            barrier.wait()
            outcomes[index] = action()
        except Exception as exc:  # recorded, asserted by the test
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_parallel_rotations_leave_one_current_secret(issued, member):
    actor = web_actor(member.user)
    outcomes = run_together(*[lambda: services.oauth_app_secret_rotate(app=issued.app, actor=actor)] * 4)
    assert all(isinstance(o, services.IssuedSecret) for o in outcomes), outcomes
    secrets = ClientSecret.objects.filter(app=issued.app)
    assert secrets.filter(expires_at__isnull=True).count() == 1
    assert AuditEvent.objects.filter(event_type="oauth-apps.secret-rotated").count() == 4


def test_parallel_rotations_leave_at_most_two_valid_secrets(issued, member):
    actor = web_actor(member.user)
    outcomes = run_together(*[lambda: services.oauth_app_secret_rotate(app=issued.app, actor=actor)] * 4)
    assert all(isinstance(o, services.IssuedSecret) for o in outcomes), outcomes
    valid = ClientSecret.objects.valid_at(timezone.now()).filter(app=issued.app)
    assert valid.count() == 2
    assert valid.filter(expires_at__isnull=True).count() == 1
    # Each rotation but the first ended the secret the one before it had put in its grace period.
    assert AuditEvent.objects.filter(event_type="oauth-apps.secret-expired").count() == 3
    still_working = [
        o.secret for o in outcomes if client_authenticate(client_id=issued.app.client_id, secret=o.secret)
    ]
    assert len(still_working) == 2
    assert client_authenticate(client_id=issued.app.client_id, secret=issued.secret) is None


def test_rotate_while_deleting_leaves_nothing_valid(issued, member):
    actor = web_actor(member.user)
    outcomes = run_together(
        lambda: services.oauth_app_secret_rotate(app=issued.app, actor=actor),
        lambda: services.oauth_app_delete(app=issued.app, actor=actor),
    )
    assert not OAuthApp.objects.filter(pk=issued.app.pk).exists()
    assert not ClientSecret.objects.exists()
    rotated = isinstance(outcomes[0], services.IssuedSecret)
    assert rotated or isinstance(outcomes[0], services.AppGone)
    assert AuditEvent.objects.filter(event_type="oauth-apps.secret-rotated").count() == int(rotated)
    assert AuditEvent.objects.filter(event_type="oauth-apps.deleted").count() == 1


def test_two_edits_with_the_same_version_one_conflicts(issued, member):
    actor = web_actor(member.user)
    outcomes = run_together(
        lambda: services.oauth_app_update(
            app=issued.app, actor=actor, name="Alice's name", expected_version=1
        ),
        lambda: services.oauth_app_update(app=issued.app, actor=actor, name="Bob's name", expected_version=1),
    )
    conflicts = [o for o in outcomes if isinstance(o, services.EditConflict)]
    assert len(conflicts) == 1, outcomes
    assert AuditEvent.objects.filter(event_type="oauth-apps.updated").count() == 1
    app = OAuthApp.objects.get(pk=issued.app.pk)
    assert app.version == 2 and app.name in {"Alice's name", "Bob's name"}
