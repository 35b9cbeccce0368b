"""The shown-once secret survives a reload or Back before "Got it!": in the same session only,
for a few minutes at most, never after "Got it!", never in the clear at rest."""

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from oauthapps.models import OAuthApp
from oauthapps.reveal import REVEAL_MAX_AGE_SECONDS
from oauthapps.secrets import secret_matches

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Billing sync",
    "description": "Invoices",
    "scopes": ["/twilio/iam/account-oauth-apps/read"],
    "form_token": "t-1",
}


def shown_secret(response, app) -> str | None:
    digest = app.secrets.order_by("-created_at", "-id").first().digest
    found = [
        v
        for v in re.findall(r'value="([A-Za-z0-9_-]{64})"', response.content.decode())
        if secret_matches(v, digest)
    ]
    return found[0] if found else None


def create(client):
    response = client.post(reverse("oauthapps:create"), FORM)
    return OAuthApp.objects.get(), response["Location"]


def test_a_reload_before_got_it_shows_the_secret_again(member_client):
    app, credentials = create(member_client)
    first = shown_secret(member_client.get(credentials), app)
    again = member_client.get(credentials)
    assert first and shown_secret(again, app) == first
    assert "no-store" in again["Cache-Control"]


def test_got_it_ends_it_for_good(member_client):
    app, credentials = create(member_client)
    cookie = member_client.cookies[f"reveal_created_{app.client_id}"].value
    assert shown_secret(member_client.get(credentials), app)
    member_client.post(reverse("oauthapps:credentials-done", args=[app.client_id]))
    assert shown_secret(member_client.get(credentials), app) is None
    member_client.cookies[f"reveal_created_{app.client_id}"] = cookie  # a copy of the key kept aside
    assert shown_secret(member_client.get(credentials), app) is None


def test_another_session_of_the_same_person_never_sees_it(member_client, member):
    app, credentials = create(member_client)
    other = Client()
    other.force_login(member.user)
    # Even holding the key cookie, the other session has no sealed copy to open.
    other.cookies[f"reveal_created_{app.client_id}"] = member_client.cookies[
        f"reveal_created_{app.client_id}"
    ].value
    assert shown_secret(other.get(credentials), app) is None
    assert shown_secret(member_client.get(credentials), app)


def test_it_is_gone_after_a_few_minutes_even_with_the_cookie_kept(member_client, monkeypatch):
    app, credentials = create(member_client)
    assert shown_secret(member_client.get(credentials), app)
    later = timezone.now() + timedelta(seconds=REVEAL_MAX_AGE_SECONDS + 1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    assert shown_secret(member_client.get(credentials), app) is None
    assert not any(key.startswith("oauthapps.reveal") for key in member_client.session.keys())


def test_a_rotated_secret_shows_again_until_done(member_client, app):
    rotated = member_client.post(reverse("oauthapps:rotate", args=[app.client_id]))["Location"]
    first = shown_secret(member_client.get(rotated), app)
    assert first and shown_secret(member_client.get(rotated), app) == first
    member_client.post(reverse("oauthapps:rotated-done", args=[app.client_id]))
    assert shown_secret(member_client.get(rotated), app) is None


def test_kept_for_a_reload_it_still_never_sits_in_the_session_table_in_clear(member_client):
    app, credentials = create(member_client)
    secret = shown_secret(member_client.get(credentials), app)
    member_client.get(credentials)
    stored = "".join(str(s.get_decoded()) + s.session_data for s in Session.objects.all())
    assert secret not in stored
