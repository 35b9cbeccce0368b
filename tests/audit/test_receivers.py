"""The audit record and the change it records commit or roll back together."""

import pytest
from django.db import DatabaseError

from audit.models import AuditEvent
from oauthapps import services, signals
from oauthapps.models import ClientSecret, OAuthApp
from tests.factories import make_app, web_actor

pytestmark = pytest.mark.django_db(transaction=True)


def test_failure_writing_the_event_rolls_back_the_create(account, member, monkeypatch):
    def broken_save(self, *args, **kwargs):
        raise DatabaseError("audit table unavailable")

    monkeypatch.setattr(AuditEvent, "save", broken_save)
    with pytest.raises(DatabaseError):
        make_app(account, user=member.user)
    assert not OAuthApp.objects.exists()
    assert not ClientSecret.objects.exists()


def test_failure_writing_the_event_rolls_back_the_rotation(issued, member, monkeypatch):
    def broken_save(self, *args, **kwargs):
        raise DatabaseError("audit table unavailable")

    monkeypatch.setattr(AuditEvent, "save", broken_save)
    with pytest.raises(DatabaseError):
        services.oauth_app_secret_rotate(app=issued.app, actor=web_actor(member.user))
    assert ClientSecret.objects.filter(app=issued.app).count() == 1
    assert ClientSecret.objects.get(app=issued.app).expires_at is None


def test_failure_after_the_event_rolls_back_the_event(issued, member):
    def fail_after_audit(**kwargs):
        raise RuntimeError("later step failed")

    signals.oauth_app_updated.connect(fail_after_audit, dispatch_uid="test-fail-after-audit")
    try:
        with pytest.raises(RuntimeError):
            services.oauth_app_update(app=issued.app, actor=web_actor(member.user), name="Changed")
    finally:
        signals.oauth_app_updated.disconnect(dispatch_uid="test-fail-after-audit")
    assert not AuditEvent.objects.filter(event_type="oauth-apps.updated").exists()
    assert OAuthApp.objects.get(pk=issued.app.pk).name == "Billing sync"


def test_delete_failure_keeps_app_and_writes_no_event(issued, member):
    def fail(**kwargs):
        raise RuntimeError("boom")

    signals.oauth_app_deleted.connect(fail, dispatch_uid="test-fail-delete")
    try:
        with pytest.raises(RuntimeError):
            services.oauth_app_delete(app=issued.app, actor=web_actor(member.user))
    finally:
        signals.oauth_app_deleted.disconnect(dispatch_uid="test-fail-delete")
    assert OAuthApp.objects.filter(pk=issued.app.pk).exists()
    assert not AuditEvent.objects.filter(event_type="oauth-apps.deleted").exists()


def test_secret_events_hold_only_the_hint(issued, member):
    rotated = services.oauth_app_secret_rotate(app=issued.app, actor=web_actor(member.user))
    event = AuditEvent.objects.get(event_type="oauth-apps.secret-rotated")
    assert rotated.secret not in str(event.event_data)
    assert event.event_data["secret"]["hint"] == rotated.secret_record.hint
