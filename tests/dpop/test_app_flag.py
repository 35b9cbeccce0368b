"""``dpop_bound_access_tokens`` (RFC 9449 §5.2) on every edge: the services, the IAM API
(snake_case and camelCase, audited as an update), the console and the command line."""

import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from audit.models import AuditEvent
from oauthapps import services
from oauthapps.models import OAuthApp
from tests.api.conftest import EVERYTHING
from tests.factories import make_app, web_actor
from tests.oauthapps.test_views import create_form, url

pytestmark = pytest.mark.django_db

APPS = "/v1/Account/OAuthApps"


def test_apps_do_not_require_dpop_by_default(app):
    assert app.dpop_bound_access_tokens is False


def test_the_service_sets_and_clears_the_flag_and_the_event_records_it(app, member):
    actor = web_actor(member.user)
    services.oauth_app_update(app=app, actor=actor, dpop_bound_access_tokens=True)
    app.refresh_from_db()
    assert app.dpop_bound_access_tokens is True
    event = AuditEvent.objects.filter(event_type="oauth-apps.updated").latest("id")
    assert "dpop_bound_access_tokens" in json.dumps(event.event_data)
    with pytest.raises(ValidationError):
        services.oauth_app_update(app=app, actor=actor, dpop_bound_access_tokens="yes")


@pytest.fixture
def api(client, account, member):
    from tests.api.conftest import Api, token_for

    caller = make_app(account, user=member.user, scopes=EVERYTHING)
    return Api(client, token_for(client, caller))


def create_body(**extra):
    return {"friendly_name": "Bound", "policy": {"allow": ["/twilio/monitor/events/list"]}, **extra}


def test_iam_create_takes_the_flag_in_snake_case(api):
    created = api.post(APPS, create_body(dpop_bound_access_tokens=True))
    assert created.status_code == 201, created.content
    assert created.json()["dpop_bound_access_tokens"] is True
    assert OAuthApp.objects.get(client_id=created.json()["sid"]).dpop_bound_access_tokens is True


def test_iam_create_takes_the_flag_in_camel_case_and_reads_return_it(api):
    created = api.post(APPS, create_body(dpopBoundAccessTokens=True)).json()
    assert api.get(f"{APPS}/{created['sid']}").json()["dpop_bound_access_tokens"] is True
    listed = {app["sid"]: app for app in api.get(APPS).json()["apps"]}
    assert listed[created["sid"]]["dpop_bound_access_tokens"] is True
    assert api.post(APPS, create_body()).json()["dpop_bound_access_tokens"] is False


def test_iam_update_changes_the_flag_and_is_audited(api):
    sid = api.post(APPS, create_body()).json()["sid"]
    updated = api.put(f"{APPS}/{sid}", {"dpop_bound_access_tokens": True})
    assert updated.status_code == 200 and updated.json()["dpop_bound_access_tokens"] is True
    event = AuditEvent.objects.filter(event_type="oauth-apps.updated", resource_sid=sid).latest("id")
    assert event.event_data["resource_properties"]["dpop_bound_access_tokens"] == {
        "previous": False,
        "updated": True,
    }


@pytest.mark.parametrize("value", ["true", 1, "yes", "on"])
def test_iam_refuses_a_flag_that_is_not_a_json_boolean(api, value):
    response = api.post(APPS, create_body(dpop_bound_access_tokens=value))
    assert response.status_code == 400
    assert "dpop_bound_access_tokens" in response.content.decode()


def test_console_create_checkbox_sets_the_flag_and_the_page_shows_it(member_client):
    body = member_client.get(url("create")).content.decode()
    assert "Require DPoP-bound tokens" in body and 'name="dpop_bound_access_tokens"' in body
    response = member_client.post(url("create"), create_form(dpop_bound_access_tokens="on"))
    assert response.status_code == 302
    app = OAuthApp.objects.latest("created")
    assert app.dpop_bound_access_tokens is True
    page = member_client.get(url("detail", app)).content.decode()
    assert "Yes: token requests need a DPoP proof" in page


def test_console_edit_clears_the_flag_when_unticked(member_client, app):
    services.oauth_app_update(app=app, actor=web_actor(app.created_by), dpop_bound_access_tokens=True)
    app.refresh_from_db()
    page = member_client.get(url("detail", app)).content.decode()
    assert 'aria-describedby="id_dpop_bound_access_tokens-help" checked' in page
    data = {"name": app.name, "description": app.description, "scopes": app.scopes, "version": app.version}
    assert member_client.post(url("detail", app), data).status_code == 302
    app.refresh_from_db()
    assert app.dpop_bound_access_tokens is False
    assert "No: Bearer tokens" in member_client.get(url("detail", app)).content.decode()


def run(*args) -> dict:
    out = StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())


def test_command_line_create_and_update(account, member):
    created = run(
        "oauthapp",
        "create",
        "--account",
        account.sid,
        "--name",
        "CLI",
        "--scope",
        "/twilio/monitor/events/list",
        "--dpop-bound-access-tokens",
    )
    assert created["dpop_bound_access_tokens"] is True
    updated = run("oauthapp", "update", created["sid"], "--no-dpop-bound-access-tokens")
    assert updated["dpop_bound_access_tokens"] is False
    assert run("oauthapp", "update", created["sid"], "--dpop-bound-access-tokens")["dpop_bound_access_tokens"]
