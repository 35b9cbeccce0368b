"""Django admin for staff: pages render, writes go through the services, secrets never show."""

import re
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.urls import reverse

from audit.models import AuditEvent
from console.models import Membership, User
from oauthapps import services
from oauthapps.admin import OAuthAppAdmin
from oauthapps.models import ClientSecret, OAuthApp, Revocation, SigningKey
from oauthapps.server.secret_check import client_authenticate
from tests.factories import DEFAULT_SCOPES, UserFactory, make_app, token_is_live, web_actor

pytestmark = pytest.mark.django_db

NEW_SECRET = re.compile(r"<td><code>([A-Za-z0-9_-]{64})</code></td>")


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def token(client, issued) -> str:
    """An access token issued by the token endpoint (which also creates a signing key)."""
    body = urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": issued.app.client_id,
            "client_secret": issued.secret,
        }
    )
    response = client.post("/v2/token", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


@pytest.fixture
def revocation(client, issued, token) -> Revocation:
    body = urlencode({"token": token, "client_id": issued.app.client_id, "client_secret": issued.secret})
    assert (
        client.post("/v2/token/revoke", body, content_type="application/x-www-form-urlencoded").status_code
        == 200
    )
    return Revocation.objects.get()


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def change_form_data(app: OAuthApp, **overrides) -> dict:
    secrets = list(app.secrets.all())
    data = {
        "name": app.name,
        "description": app.description,
        "scopes": list(app.scopes),
        "access_token_ttl": app.access_token_ttl,
        "expected_version": app.version,
        "secrets-TOTAL_FORMS": len(secrets),
        "secrets-INITIAL_FORMS": len(secrets),
        "secrets-MIN_NUM_FORMS": 0,
        "secrets-MAX_NUM_FORMS": 0,
    }
    for index, secret in enumerate(secrets):
        data[f"secrets-{index}-id"] = secret.pk
        data[f"secrets-{index}-app"] = app.pk
    data.update(overrides)
    # The Token expiration time is a number and a unit, as in the console: whole seconds.
    ttl = data.pop("access_token_ttl")
    data["access_token_ttl_0"], data["access_token_ttl_1"] = ttl, "seconds"
    return data


def run_action(staff_client, action: str, *apps, confirm: bool = True):
    data = {"action": action, "_selected_action": [app.pk for app in apps]}
    if confirm:
        data["post"] = "yes"
    return staff_client.post(admin_url(OAuthApp, "changelist"), data)


def every_admin_page(staff_client, issued, revocation, event) -> list[str]:
    pages = []
    objects = [
        (OAuthApp, issued.app),
        (AuditEvent, event),
        (Revocation, revocation),
        (SigningKey, SigningKey.objects.get()),
        (Membership, Membership.objects.first()),
        (User, issued.app.created_by),
        (type(issued.app.account), issued.app.account),
    ]
    for model, obj in objects:
        for url in (admin_url(model, "changelist"), admin_url(model, "change", obj.pk)):
            response = staff_client.get(url)
            assert response.status_code == 200, url
            pages.append(response.content.decode())
    pages.append(staff_client.get(admin_url(OAuthApp, "delete", issued.app.pk)).content.decode())
    pages.append(run_action(staff_client, "rotate_secret", issued.app, confirm=False).content.decode())
    return pages


def test_every_changelist_and_change_page_renders(staff_client, issued, revocation):
    event = AuditEvent.objects.get(resource_sid=issued.app.client_id)
    assert len(every_admin_page(staff_client, issued, revocation, event)) == 16


def test_the_app_admin_is_ours():
    assert isinstance(admin.site.get_model_admin(OAuthApp), OAuthAppAdmin)


def test_app_changelist_searches_by_client_id(staff_client, account, member):
    wanted = make_app(account, user=member.user, name="Billing sync").app
    other = make_app(account, user=member.user, name="Reports").app
    response = staff_client.get(admin_url(OAuthApp, "changelist"), {"q": wanted.client_id})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [wanted]
    assert other.client_id not in response.content.decode()


def test_app_changelist_filters_by_account(staff_client, issued):
    other = make_app(name="Elsewhere").app
    response = staff_client.get(admin_url(OAuthApp, "changelist"), {"account__id__exact": other.account_id})
    assert list(response.context["cl"].result_list) == [other]


def test_app_change_page_shows_only_the_editable_fields(staff_client, app):
    response = staff_client.get(admin_url(OAuthApp, "change", app.pk))
    assert set(response.context["adminform"].form.fields) == {
        "name",
        "description",
        "scopes",
        "access_token_ttl",
        "dpop_bound_access_tokens",
        "expected_version",
    }
    for dot_field in ("client_secret", "redirect_uris", "authorization_grant_type", "registration_source"):
        assert f'name="{dot_field}"' not in response.content.decode()
    assert "viewsitelink" not in response.content.decode()


def test_apps_cannot_be_added_in_the_admin(staff_client):
    assert staff_client.get(admin_url(OAuthApp, "add")).status_code == 403
    page = staff_client.get(admin_url(OAuthApp, "changelist")).content.decode()
    assert admin_url(OAuthApp, "add") not in page
    assert "manage.py oauthapp create" in page


def test_edit_in_admin_goes_through_the_service_with_source_admin(staff_client, app, staff):
    scopes = [*DEFAULT_SCOPES, "/twilio/monitor/events/read"]
    response = staff_client.post(
        admin_url(OAuthApp, "change", app.pk), change_form_data(app, name="Renamed", scopes=scopes)
    )
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    app.refresh_from_db()
    assert (app.name, app.scopes, app.version) == ("Renamed", scopes, 2)
    event = AuditEvent.objects.get(event_type="oauth-apps.updated")
    assert (event.source, event.actor_type, event.actor_sid) == ("web", "twilio-admin", staff.sid)
    assert (event.channel, event.resource_sid, event.source_ip_address) == (
        "admin",
        app.client_id,
        "127.0.0.1",
    )
    changed = event.event_data["resource_properties"]
    assert changed["friendly_name"]["updated"] == "Renamed"
    assert changed["policy"]["updated"] == {"allow": scopes, "deny": []}


def test_edit_over_a_newer_version_is_refused_on_the_form(staff_client, app, member):
    stale = change_form_data(app, name="Mine")
    services.oauth_app_update(app=app, actor=web_actor(member.user), name="Theirs")
    response = staff_client.post(admin_url(OAuthApp, "change", app.pk), stale)
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    app.refresh_from_db()
    assert app.name == "Theirs"
    assert not AuditEvent.objects.filter(event_type="oauth-apps.updated", event_data__via="admin").exists()


def test_edit_without_scopes_stays_on_the_form(staff_client, app):
    data = change_form_data(app, scopes=[])
    response = staff_client.post(admin_url(OAuthApp, "change", app.pk), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["scopes"]
    assert not AuditEvent.objects.filter(event_type="oauth-apps.updated").exists()


def test_delete_in_admin_goes_through_the_service(staff_client, issued, token):
    app = issued.app
    response = staff_client.post(admin_url(OAuthApp, "delete", app.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not OAuthApp.objects.filter(pk=app.pk).exists()
    assert not token_is_live(token)
    assert client_authenticate(client_id=app.client_id, secret=issued.secret) is None
    event = AuditEvent.objects.get(event_type="oauth-apps.deleted")
    assert (event.channel, event.resource_sid) == ("admin", app.client_id)


def test_delete_selected_action_goes_through_the_service(staff_client, account, member):
    apps = [make_app(account, user=member.user, name=f"App {n}").app for n in range(2)]
    response = run_action(staff_client, "delete_selected", *apps)
    assert response.status_code == 302
    assert not OAuthApp.objects.exists()
    deleted = AuditEvent.objects.filter(event_type="oauth-apps.deleted", event_data__via="admin")
    assert sorted(deleted.values_list("resource_sid", flat=True)) == sorted(a.client_id for a in apps)


def test_rotate_action_asks_for_confirmation_first(staff_client, app):
    response = run_action(staff_client, "rotate_secret", app, confirm=False)
    assert response.status_code == 200
    assert "Yes, rotate secret" in response.content.decode()
    assert app.secrets.count() == 1


def test_rotate_action_shows_a_working_secret_once_on_an_uncached_page(staff_client, issued, staff):
    response = run_action(staff_client, "rotate_secret", issued.app)
    assert response.status_code == 302
    page = staff_client.get(response["Location"])
    assert "no-store" in page["Cache-Control"]
    (secret,) = NEW_SECRET.findall(page.content.decode())
    assert client_authenticate(client_id=issued.app.client_id, secret=secret) == issued.app
    # The previous secret keeps its grace period.
    assert client_authenticate(client_id=issued.app.client_id, secret=issued.secret) == issued.app
    event = AuditEvent.objects.get(event_type="oauth-apps.secret-rotated")
    assert (event.channel, event.actor_sid) == ("admin", staff.sid)
    # Not parked in the session for a later page either.
    assert secret not in staff_client.get(admin_url(OAuthApp, "changelist")).content.decode()
    assert not any(secret in str(value) for value in staff_client.session.values())


def test_reloading_the_rotation_result_neither_rotates_again_nor_shows_the_secret(staff_client, issued):
    response = run_action(staff_client, "rotate_secret", issued.app)
    # POST/redirect/GET: the browser's reload repeats the GET, not the action.
    assert response.status_code == 302
    first = staff_client.get(response["Location"]).content.decode()
    again = staff_client.get(response["Location"]).content.decode()
    (secret,) = NEW_SECRET.findall(first)
    assert secret not in again and "already shown" in again
    assert AuditEvent.objects.filter(event_type="oauth-apps.secret-rotated").count() == 1


def test_rotation_result_of_several_apps_lists_each_new_secret_once(staff_client, account, member):
    apps = [make_app(account, user=member.user, name=f"App {n}").app for n in range(3)]
    response = run_action(staff_client, "rotate_secret", *apps)
    page = staff_client.get(response["Location"]).content.decode()
    found = NEW_SECRET.findall(page)
    assert len(set(found)) == 3
    for app, secret in zip(sorted(apps, key=lambda app: app.name), found, strict=True):
        assert client_authenticate(client_id=app.client_id, secret=secret) == app


def test_revoke_previous_secrets_action_stops_the_old_secret(staff_client, issued, member):
    rotated = services.oauth_app_secret_rotate(app=issued.app, actor=web_actor(member.user))
    response = run_action(staff_client, "revoke_previous_secrets", issued.app)
    assert response.status_code == 302
    assert client_authenticate(client_id=issued.app.client_id, secret=issued.secret) is None
    assert client_authenticate(client_id=issued.app.client_id, secret=rotated.secret) == issued.app
    event = AuditEvent.objects.get(event_type="oauth-apps.secret-revoked")
    assert event.channel == "admin"


def test_revoke_previous_secrets_action_revokes_their_tokens(staff_client, issued, member, token):
    rotated = services.oauth_app_secret_rotate(app=issued.app, actor=web_actor(member.user))
    fields = {
        "grant_type": "client_credentials",
        "client_id": issued.app.client_id,
        "client_secret": rotated.secret,
    }
    response = staff_client.post(
        "/v2/token", urlencode(fields), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200, response.content
    current = response.json()["access_token"]

    assert run_action(staff_client, "revoke_previous_secrets", issued.app).status_code == 302

    assert not token_is_live(token)  # issued with the revoked secret
    assert token_is_live(current)  # issued with the current one


def test_audit_events_cannot_be_added_changed_or_deleted(staff_client, app):
    event = AuditEvent.objects.get()
    assert staff_client.get(admin_url(AuditEvent, "add")).status_code == 403
    assert staff_client.post(admin_url(AuditEvent, "add"), {"event_type": "x"}).status_code == 403
    change = admin_url(AuditEvent, "change", event.pk)
    assert staff_client.post(change, {"event_type": "oauth-apps.deleted"}).status_code == 403
    assert staff_client.get(admin_url(AuditEvent, "delete", event.pk)).status_code == 403
    assert staff_client.post(admin_url(AuditEvent, "delete", event.pk), {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get().event_type == "oauth-apps.created"


def test_audit_event_pages_offer_no_writes(staff_client, app):
    event = AuditEvent.objects.get()
    changelist = staff_client.get(admin_url(AuditEvent, "changelist")).content.decode()
    assert admin_url(AuditEvent, "add") not in changelist
    assert "delete_selected" not in changelist
    detail = staff_client.get(admin_url(AuditEvent, "change", event.pk)).content.decode()
    assert admin_url(AuditEvent, "delete", event.pk) not in detail
    assert 'name="_save"' not in detail


def test_audit_events_search_by_resource_sid(staff_client, issued):
    other = make_app(name="Other").app
    response = staff_client.get(admin_url(AuditEvent, "changelist"), {"q": other.client_id})
    assert [e.resource_sid for e in response.context["cl"].result_list] == [other.client_id]


def test_no_admin_page_shows_a_digest_key_or_token(staff_client, issued, token, revocation):
    services.oauth_app_secret_rotate(app=issued.app, actor=web_actor(issued.app.created_by))
    event = AuditEvent.objects.filter(resource_sid=issued.app.client_id).first()
    digests = list(ClientSecret.objects.values_list("digest", flat=True))
    key = SigningKey.objects.get()
    forbidden = [
        *digests,
        key.private_key_pem.splitlines()[1],
        issued.secret,
        token,
    ]
    for page in every_admin_page(staff_client, issued, revocation, event):
        for value in forbidden:
            assert value not in page


def test_revocation_and_signing_key_admins_are_read_only(staff_client, revocation):
    key = SigningKey.objects.get()
    for model, obj in ((Revocation, revocation), (SigningKey, key)):
        assert staff_client.get(admin_url(model, "add")).status_code == 403
        assert staff_client.post(admin_url(model, "change", obj.pk), {}).status_code == 403
        assert staff_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403


def test_staff_add_a_user_by_email(staff_client):
    response = staff_client.post(
        admin_url(User, "add"),
        {
            "email": "new.person@example.test",
            "usable_password": "true",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    user = User.objects.get(email="new.person@example.test")
    assert user.username == user.email
    assert user.sid.startswith("US")


def test_user_email_must_be_unique_ignoring_case(staff_client, staff):
    response = staff_client.post(
        admin_url(User, "add"),
        {"email": staff.email.upper(), "usable_password": "false"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"]


def test_memberships_filter_by_role(staff_client, account, member):
    owner = Membership.objects.create(user=UserFactory(), account=account, role="owner")
    response = staff_client.get(admin_url(Membership, "changelist"), {"role__exact": "owner"})
    assert list(response.context["cl"].result_list) == [owner]


def test_str_of_a_secret_shows_only_its_hint(issued):
    record = ClientSecret.objects.get(app=issued.app)
    assert record.digest not in str(record) and issued.secret not in str(record)
    assert record.hint in str(record)


def test_edit_the_token_expiration_time_in_admin(staff_client, app):
    response = staff_client.post(
        admin_url(OAuthApp, "change", app.pk), change_form_data(app, access_token_ttl=600)
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.access_token_ttl == 600
    event = AuditEvent.objects.get(event_type="oauth-apps.updated")
    assert event.event_data["resource_properties"]["access_token_ttl"]["updated"] == 600


def test_admin_refuses_a_token_expiration_time_out_of_range(staff_client, app):
    response = staff_client.post(
        admin_url(OAuthApp, "change", app.pk), change_form_data(app, access_token_ttl=30)
    )
    assert response.status_code == 200
    assert "1 minute (60 seconds) to 30 days" in response.content.decode()
    app.refresh_from_db()
    assert app.access_token_ttl == 3600


def test_rotate_action_asks_for_a_grace_period(staff_client, app):
    page = run_action(staff_client, "rotate_secret", app, confirm=False).content.decode()
    assert "Grace period" in page and 'name="grace_period_0"' in page


def test_rotate_action_with_a_chosen_grace_period(staff_client, issued):
    data = {
        "action": "rotate_secret",
        "_selected_action": [issued.app.pk],
        "post": "yes",
        "grace_period_0": "3",
        "grace_period_1": "hours",
    }
    response = staff_client.post(admin_url(OAuthApp, "changelist"), data, follow=True)
    assert "New Client Secret" in response.content.decode()  # on the result page it redirects to
    previous = ClientSecret.objects.get(app=issued.app, replaced_at__isnull=False)
    assert (previous.expires_at - previous.replaced_at).total_seconds() == 3 * 3600


def test_rotate_action_refuses_a_grace_period_over_30_days(staff_client, issued):
    data = {
        "action": "rotate_secret",
        "_selected_action": [issued.app.pk],
        "post": "yes",
        "grace_period_0": "31",
        "grace_period_1": "days",
    }
    page = staff_client.post(admin_url(OAuthApp, "changelist"), data).content.decode()
    assert "to 30 days" in page and "New Client Secret" not in page
    assert ClientSecret.objects.filter(app=issued.app).count() == 1


def test_admin_edit_sets_the_dpop_requirement_through_the_service(staff_client, app, staff):
    data = change_form_data(app, dpop_bound_access_tokens="on")
    response = staff_client.post(admin_url(OAuthApp, "change", app.pk), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    app.refresh_from_db()
    assert app.dpop_bound_access_tokens is True
    changed = AuditEvent.objects.get(event_type="oauth-apps.updated").event_data["resource_properties"]
    assert changed["dpop_bound_access_tokens"] == {"previous": False, "updated": True}


def test_rotate_action_skips_a_key_app_with_a_warning(staff_client, account, member):
    from tests.issuer import SigningKey

    key_app = make_app(
        account,
        user=member.user,
        token_endpoint_auth_method="private_key_jwt",
        jwks={"keys": [SigningKey().jwk]},
    ).app
    response = run_action(staff_client, "rotate_secret", key_app)
    assert response.status_code == 302
    assert not key_app.secrets.exists()
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("no client secret" in message for message in shown)
