"""manage.py oauthapp / account: staff automation through the services (audit source cli)."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from oauthapps.models import OAuthApp
from oauthapps.server.secret_check import client_authenticate

pytestmark = pytest.mark.django_db


def run(*args) -> object:
    out = StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())


def test_account_create_prints_sid():
    data = run(
        "account",
        "create",
        "--name",
        "Acme",
        "--owner-email",
        "ops@acme.test",
        "--owner-password",
        "a-long-enough-password-42",
    )
    assert data["sid"].startswith("AC") and data["name"] == "Acme"


def test_oauthapp_create_list_rotate_delete():
    account = run("account", "create", "--name", "Acme", "--owner-email", "ops@acme.test")
    created = run(
        "oauthapp",
        "create",
        "--account",
        account["sid"],
        "--name",
        "CI deployer",
        "--scope",
        "/twilio/iam/account-oauth-apps/read",
        "--scope",
        "/twilio/monitor/events/list",
    )
    assert client_authenticate(client_id=created["client_id"], secret=created["secret"]) is not None
    listed = run("oauthapp", "list", "--account", account["sid"])
    assert [app["client_id"] for app in listed] == [created["client_id"]]
    assert "secret" not in listed[0]
    rotated = run("oauthapp", "rotate", created["sid"])
    assert rotated["secret"] != created["secret"]
    run("oauthapp", "delete", created["sid"])
    assert not OAuthApp.objects.exists()
    assert set(AuditEvent.objects.values_list("source", flat=True)) == {"twilio"}
    assert {event.channel for event in AuditEvent.objects.all()} == {"cli"}
    assert AuditEvent.objects.count() == 3


def test_oauthapp_create_uses_default_account_when_omitted():
    run("account", "create", "--name", "Default", "--owner-email", "ops@acme.test")
    created = run("oauthapp", "create", "--name", "x", "--scope", "/twilio/monitor/events/read")
    assert created["account_sid"].startswith("AC")


def test_oauthapp_create_reports_bad_scopes():
    run("account", "create", "--name", "Default", "--owner-email", "ops@acme.test")
    with pytest.raises(CommandError, match="/twilio/bogus/thing/read"):
        call_command(
            "oauthapp", "create", "--name", "x", "--scope", "/twilio/bogus/thing/read", stdout=StringIO()
        )


def create_app(*extra) -> dict:
    run("account", "create", "--name", "Default", "--owner-email", "ops@acme.test")
    return run("oauthapp", "create", "--name", "x", "--scope", "/twilio/monitor/events/read", *extra)


def test_oauthapp_create_with_a_token_ttl():
    created = create_app("--token-ttl", "900")
    assert created["access_token_ttl"] == 900
    assert OAuthApp.objects.get(client_id=created["sid"]).access_token_ttl == 900


def test_oauthapp_create_refuses_a_token_ttl_out_of_range_naming_it():
    run("account", "create", "--name", "Default", "--owner-email", "ops@acme.test")
    with pytest.raises(CommandError, match=r"access_token_ttl: .*1 minute \(60 seconds\) to 30 days"):
        call_command(
            "oauthapp",
            "create",
            "--name",
            "x",
            "--scope",
            "/twilio/monitor/events/read",
            "--token-ttl",
            "59",
            stdout=StringIO(),
        )


def test_oauthapp_update_changes_the_token_ttl():
    created = create_app()
    assert run("oauthapp", "update", created["sid"], "--token-ttl", "120")["access_token_ttl"] == 120
    assert (
        AuditEvent.objects.filter(
            event_type="oauth-apps.updated", source="twilio", event_data__via="cli"
        ).count()
        == 1
    )


def test_oauthapp_rotate_with_a_grace_period():
    created = create_app()
    run("oauthapp", "rotate", created["sid"], "--grace-period", "0")
    assert client_authenticate(client_id=created["sid"], secret=created["secret"]) is None


def test_oauthapp_rotate_refuses_a_grace_period_over_30_days():
    created = create_app()
    with pytest.raises(CommandError, match="grace_period: .*30 days"):
        call_command("oauthapp", "rotate", created["sid"], "--grace-period", "2592001", stdout=StringIO())
    assert client_authenticate(client_id=created["sid"], secret=created["secret"]) is not None
