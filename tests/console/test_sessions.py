"""Console sessions: idle timeout, absolute lifetime, the password asked again before rotate
and delete, and changing one's own password. Time moves by ageing the session's clocks."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from console.models import Role
from console.reauth import AUTHENTICATED_AT, MAX_PASSWORD_FAILURES
from console.session_limits import LAST_SEEN_AT, SIGNED_IN_AT
from oauthapps.models import ClientSecret, OAuthApp
from tests.console.test_settings import ROOT
from tests.factories import PASSWORD, MembershipFactory, UserFactory, make_app

pytestmark = pytest.mark.django_db

LIST = reverse("oauthapps:list")
LOGIN = reverse("console:login")
REAUTH = reverse("console:reauth")
PASSWORD_CHANGE = reverse("console:password-change")
NEW_PASSWORD = "a brand new passphrase 2026"


def age(client, key: str, seconds: float) -> None:
    """Move one of the session's clocks ``seconds`` into the past."""
    session = client.session
    session[key] -= seconds
    session.save()


def idle_seconds() -> float:
    return settings.SESSION_IDLE_TIMEOUT.total_seconds()


def signed_in(client) -> bool:
    return client.get(LIST).status_code == 200


# Idle timeout and absolute lifetime


def test_a_session_idle_past_the_timeout_is_signed_out_with_a_message(member_client):
    age(member_client, LAST_SEEN_AT, idle_seconds() + 1)
    response = member_client.get(LIST)
    assert response.status_code == 302 and response["Location"] == f"{LOGIN}?next={LIST}"
    page = member_client.get(response["Location"]).content.decode()
    assert "You were logged out after 30 minutes without activity" in page
    assert not signed_in(member_client)


def test_a_busy_session_ends_at_its_maximum_age(member_client):
    age(member_client, SIGNED_IN_AT, settings.SESSION_MAX_AGE.total_seconds() + 1)
    response = member_client.get(LIST, follow=True)
    assert "sessions end 12 hours after log-in" in response.content.decode()
    assert not signed_in(member_client)


def test_activity_moves_the_idle_clock(member_client):
    age(member_client, LAST_SEEN_AT, idle_seconds() - 5)
    before = member_client.session[LAST_SEEN_AT]
    assert signed_in(member_client)
    assert member_client.session[LAST_SEEN_AT] > before + idle_seconds() - 10
    age(member_client, LAST_SEEN_AT, idle_seconds() - 5)  # idle again, from the new mark
    assert signed_in(member_client)


def test_requests_close_together_do_not_rewrite_the_session(member_client):
    assert signed_in(member_client)
    seen = member_client.session[LAST_SEEN_AT]
    assert signed_in(member_client)
    assert member_client.session[LAST_SEEN_AT] == seen


def test_a_session_without_clocks_ends(member_client):
    session = member_client.session
    del session[SIGNED_IN_AT]
    session.save()
    assert not signed_in(member_client)


def test_an_expired_session_cannot_post_a_delete(member_client, app):
    age(member_client, LAST_SEEN_AT, idle_seconds() + 1)
    response = member_client.post(reverse("oauthapps:delete", args=[app.client_id]))
    assert response.status_code == 302 and response["Location"].startswith(f"{LOGIN}?next=")
    assert OAuthApp.objects.filter(pk=app.pk).exists()


def test_an_expired_session_on_the_sign_in_page_just_signs_in_again(member_client, member):
    age(member_client, LAST_SEEN_AT, idle_seconds() + 1)
    page = member_client.get(LOGIN)
    assert page.status_code == 200 and "without activity" in page.content.decode()
    response = member_client.post(LOGIN, {"username": member.user.email, "password": PASSWORD})
    assert response.status_code == 302 and signed_in(member_client)


def test_the_cookie_and_the_session_row_last_no_longer_than_the_session(member_client):
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_MAX_AGE.total_seconds() == 12 * 3600
    assert member_client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def session_settings(**env) -> subprocess.CompletedProcess:
    code = (
        "import config.settings as s; print(s.SESSION_IDLE_TIMEOUT, s.SESSION_COOKIE_AGE, s.REAUTH_MAX_AGE)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_limits_come_from_the_environment():
    result = session_settings(
        SESSION_IDLE_TIMEOUT_SECONDS="900", SESSION_MAX_AGE_SECONDS="3600", REAUTH_MAX_AGE_SECONDS="120"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0:15:00", "3600", "0:02:00"]
    refused = session_settings(SESSION_IDLE_TIMEOUT_SECONDS="0")
    assert refused.returncode != 0 and "must be > 0" in refused.stderr


# Re-authentication before rotate and delete


def test_delete_with_an_old_sign_in_asks_for_the_password_and_deletes_nothing(member_client, app):
    age(member_client, AUTHENTICATED_AT, settings.REAUTH_MAX_AGE.total_seconds() + 1)
    delete = reverse("oauthapps:delete", args=[app.client_id])
    response = member_client.post(delete)
    assert response.status_code == 302
    assert response["Location"] == f"{REAUTH}?next={delete.replace('/', '%2F')}"
    assert OAuthApp.objects.filter(pk=app.pk).exists()
    assert not AuditEvent.objects.filter(event_type="oauth-apps.deleted").exists()
    assert member_client.get(delete)["Location"].startswith(REAUTH)


def test_rotate_with_an_old_sign_in_asks_for_the_password_and_rotates_nothing(member_client, app):
    age(member_client, AUTHENTICATED_AT, settings.REAUTH_MAX_AGE.total_seconds() + 1)
    response = member_client.post(reverse("oauthapps:rotate", args=[app.client_id]), {"revoke_previous": "1"})
    assert response.status_code == 302 and response["Location"].startswith(REAUTH)
    assert ClientSecret.objects.filter(app=app).count() == 1
    assert ClientSecret.objects.get(app=app).revoked_at is None


def test_a_fresh_sign_in_needs_no_confirmation(member_client, app):
    response = member_client.post(reverse("oauthapps:delete", args=[app.client_id]))
    assert response.status_code == 302 and response["Location"] == LIST
    assert not OAuthApp.objects.filter(pk=app.pk).exists()


def test_confirming_the_password_returns_to_the_action(member_client, app):
    age(member_client, AUTHENTICATED_AT, settings.REAUTH_MAX_AGE.total_seconds() + 1)
    delete = reverse("oauthapps:delete", args=[app.client_id])
    confirm_page = member_client.get(member_client.post(delete)["Location"])
    assert confirm_page.status_code == 200 and "Confirm your password" in confirm_page.content.decode()
    old_key = member_client.session.session_key
    response = member_client.post(REAUTH, {"password": PASSWORD, "next": delete})
    assert response.status_code == 302 and response["Location"] == delete
    assert member_client.session.session_key != old_key
    assert member_client.get(delete).status_code == 200
    member_client.post(delete)
    assert not OAuthApp.objects.filter(pk=app.pk).exists()


def test_a_wrong_password_is_refused_and_repeated_ones_sign_out(member_client, app):
    age(member_client, AUTHENTICATED_AT, settings.REAUTH_MAX_AGE.total_seconds() + 1)
    for _ in range(MAX_PASSWORD_FAILURES - 1):
        response = member_client.post(REAUTH, {"password": "guess", "next": LIST})
        assert response.status_code == 200 and "That is not your password" in response.content.decode()
    response = member_client.post(REAUTH, {"password": PASSWORD + "x", "next": LIST})
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert not signed_in(member_client)


def test_the_confirmation_never_returns_to_another_site(member_client):
    response = member_client.post(REAUTH, {"password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == reverse("console:home")


def test_the_confirmation_page_needs_a_session(client):
    response = client.get(REAUTH)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_a_read_only_member_is_refused_before_any_password_question(account):
    reader = MembershipFactory(account=account, role=Role.READ_ONLY)
    client = Client()
    client.force_login(reader.user)
    app = make_app(account).app
    age(client, AUTHENTICATED_AT, settings.REAUTH_MAX_AGE.total_seconds() + 1)
    assert client.post(reverse("oauthapps:delete", args=[app.client_id])).status_code == 403


def test_the_admin_asks_for_the_password_before_rotate_and_delete(app):
    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    age(staff, AUTHENTICATED_AT, settings.REAUTH_MAX_AGE.total_seconds() + 1)
    changelist = reverse("admin:oauthapps_oauthapp_changelist")
    delete = reverse("admin:oauthapps_oauthapp_delete", args=[app.pk])
    for action in ("rotate_secret", "delete_selected"):
        response = staff.post(changelist, {"action": action, "_selected_action": [app.pk], "post": "yes"})
        assert response.status_code == 302 and response["Location"].startswith(REAUTH), action
    assert staff.post(delete, {"post": "yes"})["Location"].startswith(REAUTH)
    assert ClientSecret.objects.filter(app=app).count() == 1
    assert OAuthApp.objects.filter(pk=app.pk).exists()
    assert staff.get(changelist).status_code == 200  # reading needs no confirmation
    staff.post(REAUTH, {"password": PASSWORD, "next": delete})
    staff.post(delete, {"post": "yes"})
    assert not OAuthApp.objects.filter(pk=app.pk).exists()


# Changing one's own password


def password_form(old=PASSWORD, new=NEW_PASSWORD):
    return {"old_password": old, "new_password1": new, "new_password2": new}


def test_changing_the_password_keeps_this_session_and_ends_the_others(member_client, member):
    other = Client()
    other.force_login(member.user)
    response = member_client.post(PASSWORD_CHANGE, password_form())
    assert response.status_code == 302 and response["Location"] == reverse("console:home")
    member.user.refresh_from_db()
    assert member.user.check_password(NEW_PASSWORD)
    assert signed_in(member_client)
    assert not signed_in(other)


def test_the_page_links_from_every_console_page(member_client):
    assert f'href="{PASSWORD_CHANGE}"' in member_client.get(LIST).content.decode()
    assert member_client.get(PASSWORD_CHANGE).status_code == 200


def test_a_weak_new_password_is_refused(member_client, member):
    response = member_client.post(PASSWORD_CHANGE, password_form(new="12345678901"))
    assert response.status_code == 200 and "This password is entirely numeric." in response.content.decode()
    member.user.refresh_from_db()
    assert member.user.check_password(PASSWORD)


def test_wrong_old_passwords_are_refused_and_repeated_ones_sign_out(member_client, member):
    for _ in range(MAX_PASSWORD_FAILURES - 1):
        assert member_client.post(PASSWORD_CHANGE, password_form(old="guess")).status_code == 200
    response = member_client.post(PASSWORD_CHANGE, password_form(old="guess"))
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert not signed_in(member_client)
    member.user.refresh_from_db()
    assert member.user.check_password(PASSWORD)
