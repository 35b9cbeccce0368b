"""Console sign-in lockout: a clear message, the right password refused too, an audit entry."""

from io import StringIO

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from tests.factories import PASSWORD, AccountFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def fail(client, email):
    return client.post("/login/", {"username": email, "password": "wrong password"})


def test_lockout_refuses_even_the_right_password_and_is_audited(client, member, settings):
    settings.THROTTLE_LOGIN_FAILURES_PER_USER = "3/900"
    other_account = MembershipFactory(user=member.user, account=AccountFactory()).account
    statuses = [fail(client, member.user.email).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    right = client.post("/login/", {"username": member.user.email, "password": PASSWORD})
    assert right.status_code == 429 and "Too many log-in attempts" in right.content.decode()
    events = AuditEvent.objects.filter(event_type="console.login-locked")
    assert {e.account_id for e in events} == {member.account_id, other_account.id}
    event = events.first()
    assert (event.resource_sid, event.source, event.source_ip_address) == (
        member.user.sid,
        "web",
        "127.0.0.1",
    )
    call_command("audit_verify", stdout=StringIO())


def test_further_refusals_do_not_repeat_the_audit_entry(client, member, settings):
    settings.THROTTLE_LOGIN_FAILURES_PER_USER = "2/900"
    for _ in range(6):
        fail(client, member.user.email)
    assert AuditEvent.objects.filter(event_type="console.login-locked").count() == 1


def test_unknown_email_is_throttled_without_an_event(client, settings):
    settings.THROTTLE_LOGIN_FAILURES_PER_USER = "1/900"
    assert [fail(client, "nobody@example.test").status_code for _ in range(2)] == [200, 429]
    assert not AuditEvent.objects.exists()


def test_lockout_is_per_email(client, member, settings):
    settings.THROTTLE_LOGIN_FAILURES_PER_USER = "1/900"
    fail(client, "someone-else@example.test")
    fail(client, "someone-else@example.test")
    response = client.post("/login/", {"username": member.user.email, "password": PASSWORD})
    assert response.status_code == 302
