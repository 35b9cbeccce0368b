"""Races on the token path, on PostgreSQL: a token request meets a deletion or a rotation
with revocation that another connection holds open, uncommitted, and then commits.

Every answer is JSON, and no token is ever valid once its app or secret was revoked.
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from oauthapps import services
from oauthapps.models import OAuthApp
from tests.factories import web_actor
from tests.oauthapps.test_checks import introspect
from tests.oauthapps.test_token_endpoint import credentials, post_token

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.usefixtures("postgres_only"),
]
WAIT_SECONDS = 10


class HeldOpen(threading.Thread):
    """Runs ``change`` in a transaction on its own connection and keeps it open (its row
    locks held, nothing committed) until ``commit()``."""

    def __init__(self, change) -> None:
        super().__init__(daemon=True)
        self.change = change
        self.changed = threading.Event()
        self.release = threading.Event()
        self.error = None

    def run(self) -> None:
        try:
            with transaction.atomic():
                self.change()
                self.changed.set()
                self.release.wait(WAIT_SECONDS)
        except Exception as exc:  # asserted by the test
            self.error = exc
            self.changed.set()
        finally:
            connections.close_all()

    def commit(self) -> None:
        self.release.set()
        self.join(WAIT_SECONDS)
        assert self.error is None, self.error


class TokenRequest(threading.Thread):
    """POST /v2/token from another thread (its own connection), as a server thread would."""

    def __init__(self, body: str) -> None:
        super().__init__(daemon=True)
        self.body = body
        self.response = None

    def run(self) -> None:
        try:
            self.response = post_token(Client(raise_request_exception=False), self.body)
        finally:
            connections.close_all()


def wait_until_blocked(count: int = 1) -> None:
    """Until ``count`` other sessions of this database wait on a lock (the request has
    reached the held transaction's rows)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return
        time.sleep(0.02)
    raise AssertionError("the token request never waited for the held transaction")


def race(change, body: str):
    """The token request starts while ``change`` is held open, and finishes after it commits."""
    holder = HeldOpen(change)
    holder.start()
    assert holder.changed.wait(WAIT_SECONDS) and holder.error is None, holder.error
    request = TokenRequest(body)
    request.start()
    wait_until_blocked()
    holder.commit()
    request.join(WAIT_SECONDS)
    assert not request.is_alive()
    return request.response


def assert_json_refusal(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert response.status_code == 401 and body["error"] == "invalid_client", body
    assert body["status"] == 401 and body["code"] and body["more_info"]
    return body


def test_token_request_racing_app_deletion_answers_json(issued, member):
    actor = web_actor(member.user)
    response = race(lambda: services.oauth_app_delete(app=issued.app, actor=actor), credentials(issued))
    assert_json_refusal(response)
    assert not OAuthApp.objects.filter(pk=issued.app.pk).exists()


def test_token_request_racing_revocation_gets_no_valid_token(issued, member, account):
    actor = web_actor(member.user)
    observer = services.oauth_app_create(
        account=account, actor=actor, name="Observer", scopes=["/twilio/monitor/events/list"]
    )

    def rotate_and_revoke():
        services.oauth_app_secret_rotate(app=issued.app, actor=actor, revoke_previous=True)

    response = race(rotate_and_revoke, credentials(issued))
    if response.status_code == 200:  # had it been issued, it must be dead everywhere
        token = response.json()["access_token"]
        assert introspect(Client(), observer, token).json()["active"] is False
    assert_json_refusal(response)
    assert post_token(Client(), credentials(issued)).status_code == 401
