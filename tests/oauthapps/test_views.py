"""Console pages for OAuth apps: permissions, CSRF, cross-account 404s, the one-time secret."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from console.models import Role
from oauthapps.models import ClientSecret, OAuthApp
from oauthapps.secrets import secret_matches
from oauthapps.services import oauth_app_secret_rotate, oauth_app_update
from scopes.validation import MAX_SCOPES
from tests.factories import PASSWORD, AccountFactory, MembershipFactory, make_app, web_actor

pytestmark = pytest.mark.django_db

SCOPES = ["/twilio/iam/account-oauth-apps/read", "/twilio/monitor/events/list"]


@pytest.fixture
def reader(account):
    return MembershipFactory(account=account, role=Role.READ_ONLY)


@pytest.fixture
def reader_client(reader):
    client = Client()
    client.force_login(reader.user)
    return client


def create_form(**overrides):
    data = {"name": "Billing sync", "description": "Invoices", "scopes": SCOPES, "form_token": "t-1"}
    data.update(overrides)
    return data


def url(name, app=None, **kwargs):
    if app is not None:
        kwargs["sid"] = app.client_id
    return reverse(f"oauthapps:{name}", kwargs=kwargs)


def write_urls(app):
    secret = app.secrets.order_by("created_at", "id").first()
    return [
        url("create"),
        url("rotate", app),
        url("delete", app),
        url("revoke", app, secret_id=secret.pk),
    ]


def read_urls(app):
    return [
        url("list"),
        url("detail", app),
        url("secrets", app),
        url("credentials", app),
        url("rotated", app),
    ]


# Access


@pytest.mark.parametrize("name", ["list", "create"])
def test_pages_require_login(client, name):
    response = client.get(url(name))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_app_pages_require_login(client, app):
    for page in read_urls(app) + write_urls(app):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith("/login/")


def test_user_without_membership_is_refused(client, app):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(url("list")).status_code == 403


def test_read_only_member_sees_pages_without_write_buttons(reader_client, app):
    for page in read_urls(app):
        assert reader_client.get(page).status_code == 200, page
    listing = reader_client.get(url("list")).content.decode()
    assert "Create an OAuth app" not in listing and ">Delete<" not in listing
    detail = reader_client.get(url("detail", app)).content.decode()
    assert ">Save<" not in detail and 'name="scopes"' not in detail
    assert "/twilio/iam/account-oauth-apps/read" in detail
    secrets_page = reader_client.get(url("secrets", app)).content.decode()
    assert "Rotate secret" not in secrets_page


def test_read_only_member_gets_403_on_every_write(reader_client, app):
    oauth_app_secret_rotate(app=app, actor=web_actor(app.created_by))
    for page in write_urls(app):
        assert reader_client.get(page).status_code == 403, page
        assert reader_client.post(page, {"form_token": "x"}).status_code == 403, page
    response = reader_client.post(url("detail", app), {"name": "Hacked", "scopes": SCOPES, "version": 1})
    assert response.status_code == 403
    app.refresh_from_db()
    assert app.name == "Billing sync"
    assert OAuthApp.objects.filter(pk=app.pk).exists()


def test_other_accounts_app_is_404_everywhere(member_client, app):
    stranger = make_app(AccountFactory(), name="Their app").app
    secret = stranger.secrets.first()
    pages = read_urls(stranger)[1:] + [
        url("rotate", stranger),
        url("delete", stranger),
        url("revoke", stranger, secret_id=secret.pk),
    ]
    for page in pages:
        assert member_client.get(page).status_code == 404, page
        assert member_client.post(page, {"name": "x", "scopes": SCOPES, "version": 1}).status_code == 404, (
            page
        )
    assert "Their app" not in member_client.get(url("list")).content.decode()
    assert OAuthApp.objects.filter(pk=stranger.pk).exists()
    assert stranger.secrets.get().revoked_at is None


def test_secret_of_another_app_cannot_be_revoked_through_mine(member_client, app):
    other = make_app(app.account, name="Other").app
    oauth_app_secret_rotate(app=other, actor=web_actor(other.created_by))
    previous = other.secrets.filter(expires_at__isnull=False).get()
    response = member_client.post(url("revoke", app, secret_id=previous.pk))
    assert response.status_code == 404
    previous.refresh_from_db()
    assert previous.revoked_at is None


# CSRF


@pytest.fixture
def member_csrf_client(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    return client


def test_write_views_enforce_csrf(member_csrf_client, app):
    oauth_app_secret_rotate(app=app, actor=web_actor(app.created_by))
    posts = {page: {"form_token": "x", **create_form()} for page in write_urls(app)}
    posts[url("detail", app)] = {"name": "Renamed", "scopes": SCOPES, "version": app.version}
    for page, data in posts.items():
        assert member_csrf_client.post(page, data).status_code == 403, page
    app.refresh_from_db()
    assert app.name == "Billing sync"
    assert OAuthApp.objects.count() == 1


def test_write_with_csrf_token_succeeds(member_csrf_client):
    page = member_csrf_client.get(url("create"))
    token = page.cookies["csrftoken"].value
    response = member_csrf_client.post(url("create"), {**create_form(), "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert OAuthApp.objects.filter(name="Billing sync").count() == 1


# List


def test_list_shows_columns_and_count(member_client, app):
    body = member_client.get(url("list")).content.decode()
    for text in ["Name", "Client ID", "Scopes", "Date created", "Created by", "Actions", app.client_id]:
        assert text in body
    assert ">2<" in body  # number of scopes
    assert app.created_by_label in body


def test_list_empty_state_invites_creation(member_client):
    body = member_client.get(url("list")).content.decode()
    assert "No OAuth apps yet" in body and "Create an OAuth app" in body


def test_navigation_labels(member_client):
    body = member_client.get(url("list")).content.decode()
    for label in [
        "Admin",
        "Account management",
        "Keys &amp; credentials",
        "OAuth apps",
        "Monitor",
        "Insights",
        "Audit",
    ]:
        assert label in body


# Create and the one-time credentials page


def test_create_redirects_to_credentials_showing_the_secret_once(member_client, member):
    response = member_client.post(url("create"), create_form())
    app = OAuthApp.objects.get(name="Billing sync")
    assert response["Location"] == url("credentials", app)
    page = member_client.get(response["Location"])
    body = page.content.decode()
    assert "Client ID" in body and "Client Secret" in body and "Got it!" in body and "Finish" in body
    secret = re.search(r'id="client-secret"[^>]*value="([^"]+)"', body).group(1)
    assert len(secret) >= 43
    assert "no-store" in page["Cache-Control"]
    assert app.created_by == member.user
    # Detail, credentials tab, list: never there; the reveal page itself until "Got it!".
    for elsewhere in [url("detail", app), url("secrets", app), url("list")]:
        assert secret not in member_client.get(elsewhere).content.decode(), elsewhere
    assert secret in member_client.get(url("credentials", app)).content.decode()
    member_client.post(url("credentials-done", app))
    for again in [url("credentials", app), url("detail", app), url("secrets", app), url("list")]:
        later = member_client.get(again)
        assert secret not in later.content.decode(), again
    assert "already shown" in member_client.get(url("credentials", app)).content.decode()
    assert "no-store" in member_client.get(url("credentials", app))["Cache-Control"]


def test_secret_is_not_left_in_the_session_after_got_it(member_client):
    response = member_client.post(url("create"), create_form())
    member_client.get(response["Location"])
    done = member_client.post(url("credentials-done", OAuthApp.objects.get()))
    assert done.cookies[f"reveal_created_{OAuthApp.objects.get().client_id}"]["max-age"] == 0
    assert not any(key.startswith("oauthapps.reveal") for key in member_client.session.keys())


def test_secret_never_sits_in_the_session_table_in_clear(member_client):
    from django.contrib.sessions.models import Session

    response = member_client.post(url("create"), create_form())
    app = OAuthApp.objects.get()
    stored = "".join(str(s.get_decoded()) + s.session_data for s in Session.objects.all())
    cookie = response.cookies[f"reveal_created_{app.client_id}"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and int(cookie["max-age"]) <= 300
    page = member_client.get(response["Location"]).content.decode()
    digest = app.secrets.get().digest
    [secret] = [v for v in re.findall(r'value="([A-Za-z0-9_-]{64})"', page) if secret_matches(v, digest)]
    assert secret not in stored
    assert secret not in cookie.value


def test_secret_cannot_be_opened_without_its_cookie(member_client):
    response = member_client.post(url("create"), create_form())
    app = OAuthApp.objects.get()
    del member_client.cookies[f"reveal_created_{app.client_id}"]
    page = member_client.get(response["Location"]).content.decode()
    digest = app.secrets.get().digest
    assert not any(
        secret_matches(value, digest) for value in re.findall(r'value="([A-Za-z0-9_-]{64})"', page)
    )


def test_resubmitting_the_same_create_form_makes_no_second_app(member_client):
    first = member_client.post(url("create"), create_form())
    second = member_client.post(url("create"), create_form())
    assert OAuthApp.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert AuditEvent.objects.filter(event_type="oauth-apps.created").count() == 1


def test_create_errors_keep_the_input(member_client):
    response = member_client.post(url("create"), create_form(name="", description="Keep me"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in body
    assert "Keep me" in body
    assert 'value="/twilio/monitor/events/list" id="' in body and "checked" in body
    assert OAuthApp.objects.count() == 0


def test_create_without_scopes_is_refused(member_client):
    response = member_client.post(url("create"), create_form(scopes=[]))
    assert "Select at least 1 OAuth scope." in response.content.decode()


def test_create_refuses_the_101st_scope_on_the_server(member_client):
    from scopes.catalog import get_catalog

    many = [p.name for p in get_catalog() if not p.is_wildcard][: MAX_SCOPES + 1]  # none held by a `*`
    response = member_client.post(url("create"), create_form(scopes=many))
    assert response.status_code == 200
    assert f"Select at most {MAX_SCOPES} OAuth scopes" in response.content.decode()
    assert OAuthApp.objects.count() == 0
    ok = member_client.post(url("create"), create_form(scopes=many[:MAX_SCOPES], form_token="t-2"))
    assert ok.status_code == 302


def test_create_form_has_every_permission_as_a_labelled_checkbox(member_client):
    from scopes.catalog import get_catalog

    body = member_client.get(url("create")).content.decode()
    for label in [
        "App name",
        "Description of the app",
        "OAuth Scopes",
        "Create app",
        "<strong data-count>0</strong>",
        " of 100 selected",
    ]:
        assert label in body
    for permission in get_catalog():
        match = re.search(rf'value="{re.escape(permission.name)}" id="([^"]+)"', body)
        assert match, permission.name
        assert f'<label for="{match.group(1)}">{permission.name}</label>' in body


# Detail and edit


def test_detail_shows_the_fields(member_client, app):
    body = member_client.get(url("detail", app)).content.decode()
    for text in [
        "App name",
        "Description of the app",
        "Date created",
        "Created by",
        "OAuth Scopes",
        "Client ID",
    ]:
        assert text in body
    assert app.client_id in body and "Save" in body and "Cancel" in body


def test_save_updates_and_confirms(member_client, app):
    data = {"name": "Renamed", "description": "New", "scopes": SCOPES[:1], "version": app.version}
    response = member_client.post(url("detail", app), data, follow=True)
    app.refresh_from_db()
    assert app.name == "Renamed" and app.scopes == SCOPES[:1]
    assert "were saved" in response.content.decode()
    event = AuditEvent.objects.get(event_type="oauth-apps.updated")
    assert event.event_data["resource_properties"]["friendly_name"]["previous"] == "Billing sync"


def test_edit_errors_keep_the_input(member_client, app):
    data = {"name": "", "description": "Kept text", "scopes": SCOPES, "version": app.version}
    body = member_client.post(url("detail", app), data).content.decode()
    assert "This field is required." in body and "Kept text" in body
    app.refresh_from_db()
    assert app.name == "Billing sync"


def test_edit_conflict_keeps_input_and_says_so(member_client, app):
    loaded_version = app.version
    oauth_app_update(app=app, actor=web_actor(app.created_by), name="Someone else's")
    data = {"name": "Mine", "description": "", "scopes": SCOPES, "version": loaded_version}
    body = member_client.post(url("detail", app), data).content.decode()
    assert "changed by someone else" in body and 'value="Mine"' in body
    app.refresh_from_db()
    assert app.name == "Someone else's"


# Rotate, revoke, delete


def test_rotate_confirmation_page_then_one_time_reveal(member_client, app):
    confirm = member_client.get(url("rotate", app)).content.decode()
    assert "Yes, rotate secret" in confirm
    response = member_client.post(url("rotate", app))
    assert response["Location"] == url("rotated", app)
    page = member_client.get(response["Location"])
    body = page.content.decode()
    assert "no-store" in page["Cache-Control"] and "Done" in body and "Got it!" in body
    secret = re.search(r'id="client-secret"[^>]*value="([^"]+)"', body).group(1)
    assert secret in member_client.get(url("rotated", app)).content.decode()  # a reload, before "Got it!"
    member_client.post(url("rotated-done", app))
    for again in [url("rotated", app), url("secrets", app), url("detail", app), url("list")]:
        assert secret not in member_client.get(again).content.decode(), again
    assert ClientSecret.objects.filter(app=app).count() == 2


def test_rotate_can_revoke_the_previous_secret_at_once(member_client, app):
    member_client.post(url("rotate", app), {"revoke_previous": "1"})
    previous = app.secrets.exclude(expires_at__isnull=True).get()
    assert previous.revoked_at is not None


def test_credentials_tab_lists_current_and_previous_secrets(member_client, app):
    oauth_app_secret_rotate(app=app, actor=web_actor(app.created_by))
    previous = app.secrets.filter(expires_at__isnull=False).get()
    current = app.secrets.get(expires_at__isnull=True)
    body = member_client.get(url("secrets", app)).content.decode()
    assert current.hint in body and previous.hint in body
    assert previous.expires_at.strftime("%H:%M:%S") in body
    assert "Revoke now" in body and "Last used" in body and "Never" in body


def test_revoke_previous_secret(member_client, app):
    oauth_app_secret_rotate(app=app, actor=web_actor(app.created_by))
    previous = app.secrets.filter(expires_at__isnull=False).get()
    confirm = member_client.get(url("revoke", app, secret_id=previous.pk)).content.decode()
    assert "Yes, revoke secret" in confirm
    response = member_client.post(url("revoke", app, secret_id=previous.pk), follow=True)
    previous.refresh_from_db()
    assert previous.revoked_at is not None
    assert "was revoked" in response.content.decode()


def test_current_secret_cannot_be_revoked(member_client, app):
    current = app.secrets.get()
    response = member_client.post(url("revoke", app, secret_id=current.pk), follow=True)
    current.refresh_from_db()
    assert current.revoked_at is None
    assert "cannot be revoked" in response.content.decode()


def test_delete_confirmation_then_gone(member_client, app):
    assert "Yes, delete application" in member_client.get(url("delete", app)).content.decode()
    response = member_client.post(url("delete", app), follow=True)
    body = response.content.decode()
    assert "was deleted" in body and app.client_id not in body
    assert not OAuthApp.objects.filter(pk=app.pk).exists()
    assert member_client.get(url("detail", app)).status_code == 404


def test_security_headers_on_console_pages(member_client, app):
    response = member_client.get(url("create"))
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "<script>" not in response.content.decode()
    assert " onclick=" not in response.content.decode()


def test_login_page_signs_in_by_email(client, member):
    response = client.post("/login/", {"username": member.user.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == url("list")


# Token expiration time and grace period (Twilio parity)


def test_create_page_offers_the_token_expiration_time_with_its_range(member_client, settings):
    settings.ACCESS_TOKEN_TTL_SECONDS = 7200
    body = member_client.get(url("create")).content.decode()
    assert '<label for="id_access_token_ttl_0">Token expiration time</label>' in body
    assert "from 1 minute to 30 days" in body
    assert 'name="access_token_ttl_0" value="2"' in body
    assert re.search(r'<option value="hours" selected>hours</option>', body)
    assert 'aria-label="Token expiration time unit"' in body


@pytest.mark.parametrize(
    ("number", "unit", "seconds"), [("90", "minutes", 5400), ("30", "days", 2_592_000), ("60", "seconds", 60)]
)
def test_create_with_a_token_expiration_time(member_client, number, unit, seconds):
    member_client.post(url("create"), create_form(access_token_ttl_0=number, access_token_ttl_1=unit))
    assert OAuthApp.objects.get(name="Billing sync").access_token_ttl == seconds


@pytest.mark.parametrize(
    ("number", "unit"), [("59", "seconds"), ("31", "days"), ("0", "minutes"), ("1.5", "hours")]
)
def test_create_refuses_a_token_expiration_time_out_of_range_naming_it(member_client, number, unit):
    response = member_client.post(
        url("create"), create_form(access_token_ttl_0=number, access_token_ttl_1=unit)
    )
    assert "1 minute (60 seconds) to 30 days" in response.content.decode()
    assert not OAuthApp.objects.exists()


def test_the_console_checks_the_token_expiration_range_once(member_client, monkeypatch):
    """The form reads the number; the service checks the range (as for the API and the CLI),
    and an out-of-range message lands on the field: one check per bound, one message."""
    from django.core import validators

    checks = []
    real = validators.BaseValidator.__call__

    def counted(self, value):
        checks.append(value)
        return real(self, value)

    monkeypatch.setattr(validators.BaseValidator, "__call__", counted)
    response = member_client.post(
        url("create"), create_form(access_token_ttl_0="31", access_token_ttl_1="days")
    )
    assert response.content.decode().count("must be from 1 minute (60 seconds) to 30 days") == 1
    member_client.post(url("create"), create_form(access_token_ttl_0="90", access_token_ttl_1="minutes"))
    assert OAuthApp.objects.get().access_token_ttl == 5400
    assert checks.count(5400) == 2  # the lower and the upper bound, once each


def test_create_without_the_field_gets_the_default(member_client, settings):
    settings.ACCESS_TOKEN_TTL_SECONDS = 600
    member_client.post(url("create"), create_form())
    assert OAuthApp.objects.get(name="Billing sync").access_token_ttl == 600


def test_edit_shows_and_changes_the_token_expiration_time(member_client, app):
    body = member_client.get(url("detail", app)).content.decode()
    assert 'name="access_token_ttl_0" value="1"' in body
    data = {
        "name": app.name,
        "description": app.description,
        "scopes": app.scopes,
        "version": app.version,
        "access_token_ttl_0": "15",
        "access_token_ttl_1": "minutes",
    }
    member_client.post(url("detail", app), data)
    app.refresh_from_db()
    assert app.access_token_ttl == 900


def test_read_only_member_sees_the_token_expiration_time(reader_client, app):
    body = reader_client.get(url("detail", app)).content.decode()
    assert "Token expiration time" in body and "1 hour" in body


def test_rotate_with_a_chosen_grace_period(member_client, app):
    member_client.post(url("rotate", app), {"grace_period_0": "2", "grace_period_1": "hours"})
    previous = app.secrets.exclude(expires_at__isnull=True).get()
    assert (previous.expires_at - previous.replaced_at).total_seconds() == 7200


def test_rotate_with_a_zero_grace_period_stops_the_old_secret_at_once(member_client, issued):
    member_client.post(url("rotate", issued.app), {"grace_period_0": "0", "grace_period_1": "days"})
    from oauthapps.server.secret_check import client_authenticate

    assert client_authenticate(client_id=issued.app.client_id, secret=issued.secret) is None


def test_rotate_refuses_a_grace_period_over_30_days(member_client, app):
    response = member_client.post(url("rotate", app), {"grace_period_0": "31", "grace_period_1": "days"})
    assert response.status_code == 400
    assert "0 (the old secret stops at once) to 30 days" in response.content.decode()
    assert app.secrets.count() == 1


def test_rotation_pop_up_offers_the_grace_period_and_says_what_0_does(member_client, app, settings):
    body = member_client.get(url("secrets", app)).content.decode()
    assert '<label for="rotate-dialog-grace_period_0">Grace period</label>' in body
    assert "0 stops the current secret at once" in body
    assert 'name="grace_period_0" value="1"' in body
    assert '<option value="days" selected>days</option>' in body
    assert "data-two-secret-warning" not in body


def test_rotation_pop_up_warns_when_a_previous_secret_would_stop(member_client, app):
    oauth_app_secret_rotate(app=app, actor=web_actor(app.created_by))
    previous = app.secrets.filter(expires_at__isnull=False).get()
    for page in (url("secrets", app), url("rotate", app)):
        body = member_client.get(page).content.decode()
        assert "data-two-secret-warning" in body, page
        assert f"The previous secret {previous.hint} stops at once." in body


# Feedback


def test_a_duplicate_name_is_created_with_a_warning(member_client, app):
    response = member_client.post(url("create"), create_form(name=app.name, form_token="t-dup"), follow=True)
    assert OAuthApp.objects.filter(name=app.name).count() == 2
    assert "is also named" in response.content.decode()


def test_a_rename_to_a_taken_name_is_saved_with_a_warning(member_client, app):
    other = make_app(app.account, name="Reports").app
    data = {"name": app.name, "description": "", "scopes": SCOPES, "version": other.version}
    response = member_client.post(url("detail", other), data, follow=True)
    other.refresh_from_db()
    assert other.name == app.name
    assert "is also named" in response.content.decode()


def test_a_unique_name_gets_no_warning(member_client, app):
    response = member_client.post(url("create"), create_form(name="Unique", form_token="t-u"), follow=True)
    assert "is also named" not in response.content.decode()


def test_finish_and_done_confirm_by_name(member_client, app):
    finished = member_client.post(url("credentials-done", app), follow=True)
    assert finished.redirect_chain[-1][0] == url("list")
    assert f"The OAuth app “{app.name}” was created." in finished.content.decode()
    done = member_client.post(url("rotated-done", app), follow=True)
    assert done.redirect_chain[-1][0] == url("secrets", app)
    assert f"The Client Secret of “{app.name}” was rotated." in done.content.decode()
    # A GET (a bookmark, the address bar) only goes on, confirming nothing.
    plain = member_client.get(url("credentials-done", app), follow=True)
    assert "was created" not in plain.content.decode()


def test_confirmation_pages_without_javascript_have_a_main_heading(member_client, app):
    previous = oauth_app_secret_rotate(app=app, actor=web_actor(app.created_by))
    old = app.secrets.exclude(pk=previous.secret_record.pk).get()
    for page in [url("rotate", app), url("delete", app), url("revoke", app, secret_id=old.pk)]:
        assert re.search(r"<h1[ >]", member_client.get(page).content.decode()), page


def test_scopes_error_marks_the_filter_box_invalid(member_client):
    body = member_client.post(url("create"), create_form(scopes=[])).content.decode()
    assert re.search(r'<input id="scope-filter"[^>]*aria-invalid="true"', body)
