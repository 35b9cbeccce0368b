"""Database failures become a clear 503 with Retry-After, wherever in the request they happen."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.urls import path

from console import db_unavailable
from console.db_unavailable import MESSAGE, discard_broken_connections
from tests.factories import MembershipFactory


def _database_down(request):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


def _connection_lost(request):
    raise InterfaceError("connection already closed")


def _bug(request):
    raise RuntimeError("not a database failure")


urlpatterns = [
    path("v1/Broken", _database_down),
    path("v2/token", _connection_lost),
    path("console/broken/", _database_down),
    path("console/bug/", _bug),
]

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def test_api_path_answers_503_in_twilio_shape_with_retry_after(client):
    response = client.get("/v1/Broken")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "code": 20503,
        "message": MESSAGE,
        "more_info": "https://www.twilio.com/docs/errors/20503",
        "status": 503,
    }


def test_token_endpoint_adds_the_oauth_error_fields(client):
    body = client.post("/v2/token", {"grant_type": "client_credentials"}).json()
    assert body["error"] == "temporarily_unavailable"
    assert body["error_description"] == MESSAGE
    assert body["code"] == 20503


def test_only_registered_paths_add_the_oauth_error_fields(client, monkeypatch):
    assert "error" not in client.get("/v1/Broken").json()
    monkeypatch.setattr(db_unavailable, "_oauth_error_paths", set())
    db_unavailable.register_oauth_error_paths("/v1/Broken/")
    assert client.get("/v1/Broken").json()["error"] == "temporarily_unavailable"
    assert "error" not in client.post("/v2/token", {"grant_type": "client_credentials"}).json()


def test_console_path_answers_a_small_page(client):
    response = client.get("/console/broken/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    assert MESSAGE.encode() in response.content


def test_failure_in_a_later_middleware_is_a_503_not_a_500(client, db):
    membership = MembershipFactory()
    client.force_login(membership.user)
    with mock.patch("console.middleware.membership_current", side_effect=OperationalError("server closed")):
        response = client.get("/console/broken/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_other_exceptions_stay_500(client):
    assert client.get("/console/bug/").status_code == 500


def test_the_driver_message_is_not_logged(client, caplog):
    client.get("/v1/Broken")
    assert "Database unavailable (OperationalError)" in caplog.text
    assert "5432" not in caplog.text


def test_broken_connections_are_discarded_healthy_ones_kept():
    errored = mock.Mock(errors_occurred=True, in_atomic_block=False)
    healthy = mock.Mock(errors_occurred=False, in_atomic_block=False)
    in_transaction = mock.Mock(errors_occurred=True, in_atomic_block=True)
    with mock.patch("console.db_unavailable.connections") as handler:
        handler.all.return_value = [errored, healthy, in_transaction]
        discard_broken_connections()
    handler.all.assert_called_once_with(initialized_only=True)
    errored.close_if_unusable_or_obsolete.assert_called_once_with()
    healthy.close_if_unusable_or_obsolete.assert_not_called()
    in_transaction.close_if_unusable_or_obsolete.assert_not_called()
