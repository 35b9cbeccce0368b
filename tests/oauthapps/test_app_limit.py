"""The per-account app limit (MAX_APPS_PER_ACCOUNT): refused by the service, reported by
every edge (IAM API, console, CLI), and held under concurrent creates on PostgreSQL."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from audit.models import AuditEvent
from oauthapps import services
from oauthapps.models import OAuthApp
from tests.factories import DEFAULT_SCOPES, AccountFactory, make_app, web_actor
from tests.oauthapps.test_concurrency import run_together

LIMIT = 3


@pytest.fixture
def small_limit(settings):
    settings.MAX_APPS_PER_ACCOUNT = LIMIT


def create(account, member, name="One more"):
    return services.oauth_app_create(
        account=account, actor=web_actor(member.user), name=name, scopes=DEFAULT_SCOPES
    )


@pytest.mark.django_db
def test_create_beyond_the_limit_is_refused_and_not_audited(small_limit, account, member):
    for index in range(LIMIT):
        create(account, member, name=f"App {index}")
    with pytest.raises(services.AppLimitReached, match=f"already has {LIMIT} OAuth apps"):
        create(account, member)
    assert OAuthApp.objects.filter(account=account).count() == LIMIT
    assert AuditEvent.objects.filter(event_type="oauth-apps.created").count() == LIMIT


@pytest.mark.django_db
def test_the_limit_is_per_account(small_limit, account, member):
    for index in range(LIMIT):
        create(account, member, name=f"App {index}")
    other = AccountFactory()
    assert make_app(other).app.account == other


@pytest.mark.django_db
def test_deleting_an_app_frees_a_place(small_limit, account, member):
    apps = [create(account, member, name=f"App {index}").app for index in range(LIMIT)]
    services.oauth_app_delete(app=apps[0], actor=web_actor(member.user))
    assert create(account, member).app.name == "One more"


@pytest.mark.django_db
def test_iam_api_answers_400_with_twilio_body(settings, client, account, member):
    from tests.api.conftest import EVERYTHING, Api, token_for

    caller = make_app(account, user=member.user, name="Automation", scopes=EVERYTHING)
    api = Api(client, token_for(client, caller))
    settings.MAX_APPS_PER_ACCOUNT = 1  # the calling app fills it
    body = {"friendly_name": "Invoices", "type": "client_credentials", "policy": {"allow": DEFAULT_SCOPES}}
    response = api.post("/v1/Account/OAuthApps", body)
    assert response.status_code == 400, response.content
    error = response.json()
    assert error["code"] == 20001 and error["status"] == 400
    assert error["message"].startswith("This account already has 1 OAuth apps")
    assert error["more_info"] == "https://www.twilio.com/docs/errors/20001"


@pytest.mark.django_db
def test_console_create_shows_the_limit_as_a_form_error(small_limit, client, account, member):
    for index in range(LIMIT):
        create(account, member, name=f"App {index}")
    client.force_login(member.user)
    form = {"name": "One more", "scopes": DEFAULT_SCOPES, "form_token": "t1"}
    response = client.post(reverse("oauthapps:create"), form)
    assert response.status_code == 200
    assert f"This account already has {LIMIT} OAuth apps" in response.content.decode()
    assert OAuthApp.objects.filter(account=account).count() == LIMIT


@pytest.mark.django_db
def test_cli_create_reports_the_limit(settings, account, member):
    settings.MAX_APPS_PER_ACCOUNT = 1
    create(account, member)
    with pytest.raises(CommandError) as refused:
        call_command(
            "oauthapp",
            "create",
            "--account",
            account.sid,
            "--name",
            "x",
            "--scope",
            DEFAULT_SCOPES[0],
            stdout=StringIO(),
        )
    assert str(refused.value).startswith("This account already has 1 OAuth apps")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_cannot_exceed_the_limit(small_limit, account, member):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite ignores select_for_update); set DATABASE_URL")
    create(account, member, name="Already there")
    outcomes = run_together(*[lambda: create(account, member)] * 6)
    created = [o for o in outcomes if isinstance(o, services.IssuedSecret)]
    refused = [o for o in outcomes if isinstance(o, services.AppLimitReached)]
    assert len(created) == LIMIT - 1 and len(refused) == 6 - (LIMIT - 1), outcomes
    assert OAuthApp.objects.filter(account=account).count() == LIMIT
