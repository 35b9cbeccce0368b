"""Each oauth-apps.* signal carries one typed payload (``payload=``), nothing else to sniff."""

from datetime import timedelta

import pytest

from oauthapps import services, signals
from tests.factories import web_actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent():
    """Every oauth-apps.* signal sent during the test: (signal, the arguments besides sender)."""
    received = []

    def receive(sender, signal, **kwargs):
        received.append((signal, kwargs))

    for signal in signals.EVENT_TYPES:
        signal.connect(receive, dispatch_uid="test-signals")
    yield received
    for signal in signals.EVENT_TYPES:
        signal.disconnect(dispatch_uid="test-signals")


def payload_of(sent, signal):
    [kwargs] = [kwargs for sent_signal, kwargs in sent if sent_signal is signal]
    assert set(kwargs) == {"payload"}
    return kwargs["payload"]


def test_create_update_and_delete_send_their_payloads(sent, account, member):
    actor = web_actor(member.user)
    app = services.oauth_app_create(
        account=account, actor=actor, name="Billing", scopes=["/twilio/monitor/events/read"]
    ).app
    services.oauth_app_update(app=app, actor=actor, name="Invoices")
    services.oauth_app_delete(app=app, actor=actor)
    assert payload_of(sent, signals.oauth_app_created) == signals.AppCreated(app=app, actor=actor)
    updated = payload_of(sent, signals.oauth_app_updated)
    assert isinstance(updated, signals.AppUpdated)
    assert (updated.previous, updated.updated) == ({"name": "Billing"}, {"name": "Invoices"})
    deleted = payload_of(sent, signals.oauth_app_deleted)
    assert isinstance(deleted, signals.AppDeleted)
    assert (deleted.app.client_id, deleted.actor) == (app.client_id, actor)


def test_rotation_sends_the_new_secret_and_how_the_previous_one_ends(sent, issued, member):
    actor = web_actor(member.user)
    rotated = services.oauth_app_secret_rotate(
        app=issued.app, actor=actor, grace_period=timedelta(hours=1), revoke_previous=False
    )
    assert payload_of(sent, signals.oauth_app_secret_rotated) == signals.SecretRotated(
        app=rotated.app,
        actor=actor,
        secret=rotated.secret_record,
        revoke_previous=False,
        grace_period=timedelta(hours=1),
    )


def test_revoking_and_expiring_a_secret_send_the_secret(sent, issued, member):
    actor = web_actor(member.user)
    previous = issued.app.secrets.get()
    services.oauth_app_secret_rotate(app=issued.app, actor=actor)
    services.oauth_app_secret_revoke(app=issued.app, actor=actor, secret_id=previous.pk)
    revoked = payload_of(sent, signals.oauth_app_secret_revoked)
    assert isinstance(revoked, signals.SecretRevoked) and revoked.secret.pk == previous.pk
    services.oauth_app_secret_rotate(app=issued.app, actor=actor)
    services.oauth_app_secret_rotate(app=issued.app, actor=actor)  # ends the grace of the one before
    expired = payload_of(sent, signals.oauth_app_secret_expired)
    assert isinstance(expired, signals.SecretExpired) and expired.app.pk == issued.app.pk
