"""An app deleted by someone else between a page (or request) loading it and the change:
the services raise ``services.AppGone`` and each edge translates it once, into its own
"not found" answer."""

import functools
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from oauthapps import services
from oauthapps.models import OAuthApp
from tests.api.conftest import EVERYTHING, Api, assert_twilio_error, token_for
from tests.factories import UserFactory, make_app, web_actor

pytestmark = pytest.mark.django_db


def deleted_meanwhile(monkeypatch, name: str, app: OAuthApp, member) -> None:
    """Make ``services.<name>`` find ``app`` already deleted by someone else, as when
    another request's delete commits between this request's read and its write."""
    real, delete = getattr(services, name), services.oauth_app_delete

    @functools.wraps(real)
    def racing(**kwargs):
        delete(app=OAuthApp.objects.get(pk=app.pk), actor=web_actor(member.user))
        return real(**kwargs)

    monkeypatch.setattr(services, name, racing)


def test_services_raise_app_gone_for_a_deleted_app(issued, member):
    actor = web_actor(member.user)
    services.oauth_app_delete(app=issued.app, actor=actor)
    with pytest.raises(services.AppGone) as raised:
        services.oauth_app_update(app=issued.app, actor=actor, name="Renamed")
    assert raised.value.client_id == issued.app.client_id
    assert isinstance(raised.value, services.OAuthAppError)
    for change in (
        lambda: services.oauth_app_secret_rotate(app=issued.app, actor=actor),
        lambda: services.oauth_app_secret_revoke(app=issued.app, actor=actor, secret_id=1),
        lambda: services.oauth_app_delete(app=issued.app, actor=actor),
    ):
        with pytest.raises(services.AppGone):
            change()


@pytest.mark.parametrize(
    "service, view, data",
    [
        ("oauth_app_delete", "delete", {}),
        ("oauth_app_secret_rotate", "rotate", {}),
    ],
)
def test_console_says_the_app_was_deleted(client, member, app, monkeypatch, service, view, data):
    client.force_login(member.user)
    deleted_meanwhile(monkeypatch, service, app, member)
    response = client.post(reverse(f"oauthapps:{view}", kwargs={"sid": app.client_id}), data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("oauthapps:list")
    assert "That OAuth app no longer exists; it was deleted." in response.content.decode()


def test_console_edit_of_a_deleted_app_says_so(client, member, app, monkeypatch):
    client.force_login(member.user)
    deleted_meanwhile(monkeypatch, "oauth_app_update", app, member)
    data = {
        "name": "Renamed",
        "description": "",
        "scopes": list(app.scopes),
        "access_token_ttl": app.access_token_ttl,
        "version": app.version,
    }
    response = client.post(reverse("oauthapps:detail", kwargs={"sid": app.client_id}), data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("oauthapps:list")
    assert "That OAuth app no longer exists; it was deleted." in response.content.decode()


@pytest.mark.parametrize(
    "method, suffix, service",
    [
        ("put", "", "oauth_app_update"),
        ("delete", "", "oauth_app_delete"),
        ("post", "/Secret", "oauth_app_secret_rotate"),
    ],
)
def test_iam_api_answers_404_for_a_deleted_app(client, account, member, monkeypatch, method, suffix, service):
    caller = make_app(account, user=member.user, name="Automation", scopes=EVERYTHING)
    api = Api(client, token_for(client, caller))
    target = make_app(account, user=member.user).app
    deleted_meanwhile(monkeypatch, service, target, member)
    path = f"/v1/Account/OAuthApps/{target.client_id}{suffix}"
    body = {"put": {"friendly_name": "Renamed"}, "post": {}}
    response = api.delete(path) if method == "delete" else getattr(api, method)(path, body[method])
    error = assert_twilio_error(response, 404)
    assert target.client_id in error["message"]


def test_cli_says_no_such_app(app, member, monkeypatch):
    deleted_meanwhile(monkeypatch, "oauth_app_secret_rotate", app, member)
    with pytest.raises(CommandError, match=f"No OAuth app {app.client_id}"):
        call_command("oauthapp", "rotate", app.client_id, stdout=io.StringIO())


def test_admin_action_skips_a_deleted_app(client, app, member, monkeypatch):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    deleted_meanwhile(monkeypatch, "oauth_app_secret_rotate", app, member)
    data = {"action": "rotate_secret", "_selected_action": [app.pk], "post": "yes"}
    response = client.post(reverse("admin:oauthapps_oauthapp_changelist"), data)
    # On to the (empty) result page: the deleted app is skipped, not a server error.
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:oauthapps_oauthapp_rotated"))
    assert not OAuthApp.objects.filter(pk=app.pk).exists()
