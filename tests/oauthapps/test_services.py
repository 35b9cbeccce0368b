from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from console.sids import is_sid
from oauthapps import services
from oauthapps.models import ClientSecret, OAuthApp
from oauthapps.secrets import secret_digest
from oauthapps.server.secret_check import client_authenticate
from tests.factories import DEFAULT_SCOPES, make_app, web_actor

pytestmark = pytest.mark.django_db


def test_create_returns_plaintext_secret_once_and_stores_only_digest(issued):
    record = ClientSecret.objects.get(app=issued.app)
    assert record.digest == secret_digest(issued.secret)
    assert issued.secret not in str(ClientSecret.objects.filter(app=issued.app).values())
    assert record.hint == "…" + issued.secret[-4:]
    assert not hasattr(issued.app, "client_secret")  # no single-secret column to leak into


def test_create_gives_oq_client_id_that_is_the_sid(app):
    assert is_sid(app.client_id, "OQ")
    assert app.sid == app.client_id


def test_create_records_creator_and_scopes(app, member):
    assert app.created_by == member.user
    assert app.created_by_label == member.user.email
    assert app.creator_sid == member.user.sid
    assert app.scopes == DEFAULT_SCOPES


def test_create_refuses_unknown_scopes_naming_them(account, member):
    with pytest.raises(ValidationError) as exc:
        make_app(
            account, user=member.user, scopes=["/twilio/iam/account-oauth-apps/read", "/twilio/nope/x/read"]
        )
    assert "/twilio/nope/x/read" in str(exc.value.message_dict["scopes"])
    assert not OAuthApp.objects.exists()


def test_create_refuses_more_than_100_scopes(account, member):
    from scopes.catalog import get_catalog

    many = sorted(p.name for p in get_catalog() if not p.is_wildcard)[:101]  # a `*` would hold others
    with pytest.raises(ValidationError) as exc:
        make_app(account, user=member.user, scopes=many)
    assert "100" in str(exc.value.message_dict["scopes"])


def test_create_refuses_empty_scopes(account, member):
    with pytest.raises(ValidationError):
        services.oauth_app_create(account=account, actor=web_actor(member.user), name="x", scopes=[])


def test_create_refuses_blank_or_overlong_name(account, member):
    with pytest.raises(ValidationError) as exc:
        make_app(account, user=member.user, name="   ")
    assert "App name is required" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        make_app(account, user=member.user, name="x" * 101)
    assert "at most 100" in str(exc.value)


def test_create_refuses_control_characters(account, member):
    with pytest.raises(ValidationError):
        make_app(account, user=member.user, name="bad\x00name")


def test_update_changes_only_given_fields_and_records_previous_values(app, member):
    services.oauth_app_update(
        app=app, actor=web_actor(member.user), name="Renamed", description=app.description
    )
    app.refresh_from_db()
    assert app.name == "Renamed"
    event = AuditEvent.objects.get(event_type="oauth-apps.updated")
    assert event.event_data == {
        "via": "console",
        "resource_properties": {"friendly_name": {"previous": "Billing sync", "updated": "Renamed"}},
    }


def test_update_without_changes_writes_no_event(app, member):
    services.oauth_app_update(app=app, actor=web_actor(member.user), name=app.name)
    assert not AuditEvent.objects.filter(event_type="oauth-apps.updated").exists()


def test_update_with_stale_version_is_a_conflict(app, member):
    actor = web_actor(member.user)
    services.oauth_app_update(app=app, actor=actor, name="First", expected_version=1)
    with pytest.raises(services.EditConflict):
        services.oauth_app_update(app=app, actor=actor, name="Second", expected_version=1)
    app.refresh_from_db()
    assert app.name == "First"


def test_update_scopes_validated(app, member):
    with pytest.raises(ValidationError):
        services.oauth_app_update(app=app, actor=web_actor(member.user), scopes=["/twilio/bogus/x/read"])


def test_rotate_keeps_previous_secret_valid_for_grace_period(issued, member, settings):
    rotated = services.oauth_app_secret_rotate(app=issued.app, actor=web_actor(member.user))
    assert rotated.secret != issued.secret
    assert client_authenticate(client_id=issued.app.client_id, secret=issued.secret) is not None
    assert client_authenticate(client_id=issued.app.client_id, secret=rotated.secret) is not None
    previous = ClientSecret.objects.get(digest=secret_digest(issued.secret))
    assert previous.expires_at - previous.replaced_at == timedelta(seconds=settings.SECRET_GRACE_SECONDS)


def test_previous_secret_stops_working_after_grace_period(issued, member, settings):
    services.oauth_app_secret_rotate(app=issued.app, actor=web_actor(member.user))
    ClientSecret.objects.filter(expires_at__isnull=False).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert client_authenticate(client_id=issued.app.client_id, secret=issued.secret) is None


def test_rotating_during_a_grace_period_ends_the_older_secret_at_once(issued, member):
    actor = web_actor(member.user)
    second = services.oauth_app_secret_rotate(app=issued.app, actor=actor)
    third = services.oauth_app_secret_rotate(app=issued.app, actor=actor)
    client_id = issued.app.client_id
    assert client_authenticate(client_id=client_id, secret=issued.secret) is None
    assert client_authenticate(client_id=client_id, secret=second.secret) is not None
    assert client_authenticate(client_id=client_id, secret=third.secret) is not None
    assert ClientSecret.objects.valid_at(timezone.now()).filter(app=issued.app).count() == 2
    expired = AuditEvent.objects.get(event_type="oauth-apps.secret-expired")
    assert expired.event_data["secret"]["hint"] == "…" + issued.secret[-4:]


def test_the_two_secret_rule_ends_nothing_when_no_grace_period_is_running(issued, member):
    actor = web_actor(member.user)
    services.oauth_app_secret_rotate(app=issued.app, actor=actor, grace_period=timedelta(0))
    services.oauth_app_secret_rotate(app=issued.app, actor=actor)
    assert not AuditEvent.objects.filter(event_type="oauth-apps.secret-expired").exists()


def test_rotate_with_a_chosen_grace_period(issued, member):
    services.oauth_app_secret_rotate(
        app=issued.app, actor=web_actor(member.user), grace_period=timedelta(hours=2)
    )
    previous = ClientSecret.objects.get(digest=secret_digest(issued.secret))
    assert previous.expires_at - previous.replaced_at == timedelta(hours=2)


def test_rotate_with_a_zero_grace_period_stops_the_old_secret_at_once(issued, member):
    services.oauth_app_secret_rotate(app=issued.app, actor=web_actor(member.user), grace_period=timedelta(0))
    assert client_authenticate(client_id=issued.app.client_id, secret=issued.secret) is None


@pytest.mark.parametrize("grace", [timedelta(seconds=-1), timedelta(days=30, seconds=1)])
def test_rotate_refuses_a_grace_period_outside_0_to_30_days(issued, member, grace):
    with pytest.raises(ValidationError, match="grace period must be from 0") as exc:
        services.oauth_app_secret_rotate(app=issued.app, actor=web_actor(member.user), grace_period=grace)
    assert "grace_period" in exc.value.message_dict
    assert client_authenticate(client_id=issued.app.client_id, secret=issued.secret) is not None


def test_rotate_accepts_the_bounds_of_the_grace_period(issued, member):
    actor = web_actor(member.user)
    services.oauth_app_secret_rotate(app=issued.app, actor=actor, grace_period=timedelta(days=30))
    services.oauth_app_secret_rotate(app=issued.app, actor=actor, grace_period=timedelta(0))


def test_new_apps_get_the_default_token_expiration_time(account, member, settings):
    settings.ACCESS_TOKEN_TTL_SECONDS = 900
    assert make_app(account, user=member.user).app.access_token_ttl == 900


@pytest.mark.parametrize("ttl", [60, 3600, 2_592_000])
def test_create_with_a_token_expiration_time_in_range(account, member, ttl):
    issued = services.oauth_app_create(
        account=account, actor=web_actor(member.user), name="A", scopes=DEFAULT_SCOPES, access_token_ttl=ttl
    )
    issued.app.refresh_from_db()
    assert issued.app.access_token_ttl == ttl


@pytest.mark.parametrize("ttl", [59, 0, -60, 2_592_001, "an hour", 90.5, True])
def test_create_refuses_a_token_expiration_time_out_of_range_naming_it(account, member, ttl):
    with pytest.raises(ValidationError) as exc:
        services.oauth_app_create(
            account=account,
            actor=web_actor(member.user),
            name="A",
            scopes=DEFAULT_SCOPES,
            access_token_ttl=ttl,
        )
    assert "access_token_ttl" in exc.value.message_dict
    assert not OAuthApp.objects.exists()


def test_update_token_expiration_time_records_previous_and_updated(app, member):
    services.oauth_app_update(app=app, actor=web_actor(member.user), access_token_ttl=600)
    app.refresh_from_db()
    assert app.access_token_ttl == 600
    event = AuditEvent.objects.get(event_type="oauth-apps.updated")
    assert event.event_data["resource_properties"] == {"access_token_ttl": {"previous": 3600, "updated": 600}}


def test_update_refuses_a_token_expiration_time_out_of_range(app, member):
    with pytest.raises(ValidationError, match="1 minute"):
        services.oauth_app_update(app=app, actor=web_actor(member.user), access_token_ttl=30)


def test_rotate_with_revoke_previous_stops_old_secret_at_once(issued, member):
    services.oauth_app_secret_rotate(app=issued.app, actor=web_actor(member.user), revoke_previous=True)
    assert client_authenticate(client_id=issued.app.client_id, secret=issued.secret) is None


def test_revoke_previous_secret(issued, member):
    actor = web_actor(member.user)
    services.oauth_app_secret_rotate(app=issued.app, actor=actor)
    previous = ClientSecret.objects.get(digest=secret_digest(issued.secret))
    services.oauth_app_secret_revoke(app=issued.app, actor=actor, secret_id=previous.pk)
    assert client_authenticate(client_id=issued.app.client_id, secret=issued.secret) is None
    assert AuditEvent.objects.filter(event_type="oauth-apps.secret-revoked").count() == 1


def test_current_secret_cannot_be_revoked(issued, member):
    current = ClientSecret.objects.get(app=issued.app)
    with pytest.raises(ValidationError):
        services.oauth_app_secret_revoke(app=issued.app, actor=web_actor(member.user), secret_id=current.pk)


def test_delete_removes_app_secrets_and_tokens(issued, member):
    services.oauth_app_delete(app=issued.app, actor=web_actor(member.user))
    assert not OAuthApp.objects.exists()
    assert not ClientSecret.objects.exists()
    assert client_authenticate(client_id=issued.app.client_id, secret=issued.secret) is None
    event = AuditEvent.objects.get(event_type="oauth-apps.deleted")
    assert event.resource_sid == issued.app.client_id


def test_each_service_writes_exactly_one_event(issued, member):
    actor = web_actor(member.user)
    services.oauth_app_update(app=issued.app, actor=actor, name="n2")
    services.oauth_app_secret_rotate(app=issued.app, actor=actor)
    services.oauth_app_delete(app=issued.app, actor=actor)
    assert list(AuditEvent.objects.order_by("id").values_list("event_type", flat=True)) == [
        "oauth-apps.created",
        "oauth-apps.updated",
        "oauth-apps.secret-rotated",
        "oauth-apps.deleted",
    ]


def test_events_carry_actor_source_and_ip(app, member):
    event = AuditEvent.objects.get(event_type="oauth-apps.created")
    assert (event.actor_sid, event.actor_type, event.source, event.source_ip_address) == (
        member.user.sid,
        "user",
        "web",
        "127.0.0.1",
    )
    assert event.account_id == app.account_id
    assert is_sid(event.sid, "AE")


def test_services_refuse_a_deleted_app(issued, member):
    actor = web_actor(member.user)
    services.oauth_app_delete(app=issued.app, actor=actor)
    with pytest.raises(services.AppGone):
        services.oauth_app_secret_rotate(app=issued.app, actor=actor)


def test_lapsed_secrets_are_recorded_when_they_expire(issued, member):
    from console.actors import Actor

    services.oauth_app_secret_rotate(app=issued.app, actor=web_actor(member.user))
    previous = ClientSecret.objects.get(digest=secret_digest(issued.secret))
    ClientSecret.objects.filter(pk=previous.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert services.oauth_app_secrets_expire_lapsed(actor=Actor.system("test")) == 1
    previous.refresh_from_db()  # kept, with its tag, until its last token has expired
    assert previous.tokens_expire_at > previous.expires_at
    event = AuditEvent.objects.get(event_type="oauth-apps.secret-expired")
    assert event.event_data["secret"]["hint"] == previous.hint and event.source == "twilio"
    assert services.oauth_app_secrets_expire_lapsed(actor=Actor.system("test")) == 0
