"""Revoking secrets (a leak): every previous secret stops at once and so do the access
tokens issued with it, at introspection, the gateway check and our APIs; the tokens of the
current secret live on."""

import pytest
from django.urls import reverse

from oauthapps import services
from oauthapps.models import ClientSecret
from tests.factories import make_app, web_actor
from tests.gateway.test_gateway_check import check
from tests.oauthapps.test_checks import introspect
from tests.oauthapps.test_token_endpoint import form, post_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def observer(account, member):
    """Another app of the account, asking introspection about the tokens."""
    return make_app(account, user=member.user, name="Observer")


def token_with(client, app, secret: str) -> str:
    response = post_token(
        client, form(grant_type="client_credentials", client_id=app.client_id, client_secret=secret)
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def secret_works(client, app, secret: str) -> bool:
    fields = form(grant_type="client_credentials", client_id=app.client_id, client_secret=secret)
    return post_token(client, fields).status_code == 200


def verdicts(client, token: str, observer) -> dict[str, bool]:
    """Whether each kind of server that asks us accepts the token."""
    return {
        "introspection": introspect(client, observer, token).json()["active"],
        "gateway": check(client, token, method="GET", uri="/v1/Events", host="monitor.twilio.com").status_code
        == 200,
        "api": client.get("/v1/Events", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200,
    }


ACCEPTED = {"introspection": True, "gateway": True, "api": True}
REFUSED = {"introspection": False, "gateway": False, "api": False}


def test_revoke_previous_stops_every_previous_secret_and_its_tokens(client, issued, member, observer):
    app, actor = issued.app, web_actor(member.user)
    s0 = issued.secret
    t0 = token_with(client, app, s0)
    s1 = services.oauth_app_secret_rotate(app=app, actor=actor).secret
    t1 = token_with(client, app, s1)
    assert verdicts(client, t0, observer) == ACCEPTED  # both secrets in use during the grace period

    s2 = services.oauth_app_secret_rotate(app=app, actor=actor, revoke_previous=True).secret
    t2 = token_with(client, app, s2)

    assert not secret_works(client, app, s0)
    assert not secret_works(client, app, s1)
    assert verdicts(client, t0, observer) == REFUSED
    assert verdicts(client, t1, observer) == REFUSED
    assert verdicts(client, t2, observer) == ACCEPTED
    assert ClientSecret.objects.valid_at(services.timezone.now()).filter(app=app).count() == 1


def test_revoking_one_previous_secret_revokes_its_tokens_only(client, issued, member, observer):
    app, actor = issued.app, web_actor(member.user)
    t0 = token_with(client, app, issued.secret)
    s1 = services.oauth_app_secret_rotate(app=app, actor=actor).secret
    t1 = token_with(client, app, s1)
    previous = ClientSecret.objects.get(app=app, replaced_at__isnull=False)

    services.oauth_app_secret_revoke(app=app, actor=actor, secret_id=previous.pk)

    assert verdicts(client, t0, observer) == REFUSED
    assert verdicts(client, t1, observer) == ACCEPTED


def test_console_revoke_now_revokes_the_secrets_tokens(client, issued, member, observer):
    app = issued.app
    t0 = token_with(client, app, issued.secret)
    s1 = services.oauth_app_secret_rotate(app=app, actor=web_actor(member.user)).secret
    t1 = token_with(client, app, s1)
    previous = ClientSecret.objects.get(app=app, replaced_at__isnull=False)
    client.force_login(member.user)
    response = client.post(reverse("oauthapps:revoke", args=[app.client_id, previous.pk]))
    assert response.status_code == 302, response.content
    client.logout()

    assert not secret_works(client, app, issued.secret)
    assert verdicts(client, t0, observer) == REFUSED
    assert verdicts(client, t1, observer) == ACCEPTED


def test_console_rotation_with_revoke_previous_revokes_the_tokens(client, issued, member, observer):
    app = issued.app
    t0 = token_with(client, app, issued.secret)
    client.force_login(member.user)
    response = client.post(reverse("oauthapps:rotate", args=[app.client_id]), {"revoke_previous": "1"})
    assert response.status_code == 302, response.content
    client.logout()
    assert verdicts(client, t0, observer) == REFUSED


def test_rotation_without_revocation_keeps_the_previous_tokens(client, issued, member, observer):
    t0 = token_with(client, issued.app, issued.secret)
    services.oauth_app_secret_rotate(app=issued.app, actor=web_actor(member.user))
    assert verdicts(client, t0, observer) == ACCEPTED


# --- a secret that ends early takes its tokens along; one that lapses stays revocable ----------

MONTH = 30 * 24 * 3600


@pytest.fixture
def monthly(issued, member):
    """An app whose tokens live 30 days, the longest Token expiration time."""
    services.oauth_app_update(app=issued.app, actor=web_actor(member.user), access_token_ttl=MONTH)
    issued.app.refresh_from_db()
    return issued


def lapse(secret: ClientSecret) -> None:
    """Let ``secret``'s grace period run out (as if time had passed), then run the purge's
    lapse step, as the hourly ``purge_expired`` does."""
    ClientSecret.objects.filter(pk=secret.pk).update(expires_at=services.timezone.now())
    services.oauth_app_secrets_expire_lapsed(actor=web_actor(secret.app.created_by))


def test_rotation_with_grace_0_revokes_the_previous_secrets_tokens(client, monthly, member, observer):
    app, actor = monthly.app, web_actor(member.user)
    t1 = token_with(client, app, monthly.secret)
    s2 = services.oauth_app_secret_rotate(app=app, actor=actor, grace_period=services.timedelta(0)).secret
    assert not secret_works(client, app, monthly.secret)
    assert verdicts(client, t1, observer) == REFUSED  # "a grace period of 0 invalidates … access tokens"

    t2 = token_with(client, app, s2)
    assert verdicts(client, t2, observer) == ACCEPTED  # the current secret's tokens live on


def test_grace_0_then_revoke_previous_refuses_the_first_token(client, monthly, member, observer):
    # The reproduction: T1 from S1; rotate grace 0; rotate again with revoke_previous.
    app, actor = monthly.app, web_actor(member.user)
    t1 = token_with(client, app, monthly.secret)
    s2 = services.oauth_app_secret_rotate(app=app, actor=actor, grace_period=services.timedelta(0)).secret
    t2 = token_with(client, app, s2)
    services.oauth_app_secret_rotate(app=app, actor=actor, revoke_previous=True)
    assert verdicts(client, t2, observer) == REFUSED
    assert verdicts(client, t1, observer) == REFUSED


def test_the_two_secret_rule_takes_the_ended_secrets_tokens_along(client, monthly, member, observer):
    app, actor = monthly.app, web_actor(member.user)
    s2 = services.oauth_app_secret_rotate(app=app, actor=actor).secret
    services.oauth_app_secret_rotate(app=app, actor=actor)  # s1 was in its grace period
    t3 = token_with(client, app, s2)  # s2 is now the secret in its grace period
    services.oauth_app_secret_rotate(app=app, actor=actor)  # ends s2 at once (two valid secrets)
    assert not secret_works(client, app, s2)
    assert verdicts(client, t3, observer) == REFUSED

    services.oauth_app_secret_rotate(app=app, actor=actor, revoke_previous=True)
    assert verdicts(client, t3, observer) == REFUSED


def test_a_lapsed_secrets_tokens_live_on_and_revoke_previous_still_reaches_them(
    client, monthly, member, observer
):
    app, actor = monthly.app, web_actor(member.user)
    t1 = token_with(client, app, monthly.secret)
    services.oauth_app_secret_rotate(app=app, actor=actor)
    lapse(ClientSecret.objects.get(app=app, replaced_at__isnull=False))
    assert not secret_works(client, app, monthly.secret)
    assert verdicts(client, t1, observer) == ACCEPTED  # its grace simply ran out: tokens live to exp

    services.oauth_app_secret_rotate(app=app, actor=actor, revoke_previous=True)
    assert verdicts(client, t1, observer) == REFUSED


def test_revoke_now_reaches_a_lapsed_secrets_tokens(client, monthly, member, observer):
    app = monthly.app
    t1 = token_with(client, app, monthly.secret)
    services.oauth_app_secret_rotate(app=app, actor=web_actor(member.user))
    lapsed = ClientSecret.objects.get(app=app, replaced_at__isnull=False)
    lapse(lapsed)
    client.force_login(member.user)
    page = client.get(reverse("oauthapps:secrets", args=[app.client_id]))
    row = page.content.decode().split(f'<code class="hint">{lapsed.hint}</code>', 1)[1].split("</tr>")[0]
    assert "ended <time" in row and ", tokens valid until <time" in row
    assert reverse("oauthapps:revoke", args=[app.client_id, lapsed.pk]) in page.content.decode()
    response = client.post(reverse("oauthapps:revoke", args=[app.client_id, lapsed.pk]))
    assert response.status_code == 302, response.content
    client.logout()
    assert verdicts(client, t1, observer) == REFUSED


def test_a_lapsed_secret_is_kept_until_its_last_token_could_have_expired(monthly, member):
    from oauthapps.management.commands.purge_expired import dead_client_secrets

    app = monthly.app
    services.oauth_app_secret_rotate(app=app, actor=web_actor(member.user))
    lapsed = ClientSecret.objects.get(app=app, replaced_at__isnull=False)
    lapse(lapsed)
    lapsed.refresh_from_db()
    now = services.timezone.now()
    assert lapsed.tokens_expire_at >= lapsed.expires_at + services.timedelta(seconds=MONTH)
    assert not dead_client_secrets(now).filter(pk=lapsed.pk).exists()
    assert dead_client_secrets(lapsed.tokens_expire_at).filter(pk=lapsed.pk).exists()


def test_a_lapsed_secret_is_announced_once(monthly, member):
    from audit.models import AuditEvent

    services.oauth_app_secret_rotate(app=monthly.app, actor=web_actor(member.user))
    lapsed = ClientSecret.objects.get(app=monthly.app, replaced_at__isnull=False)
    lapse(lapsed)
    assert services.oauth_app_secrets_expire_lapsed(actor=web_actor(member.user)) == 0
    assert AuditEvent.objects.filter(event_type="oauth-apps.secret-expired").count() == 1
